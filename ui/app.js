// MemberDesk front desk. Talks to the Rust commands only; holds no business rules:
// every figure shown (points, balances, greetings, validation) comes from the backend.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { lang: localStorage.getItem("lang") || "zh", hits: [], selected: 0, card: null, searchSeq: 0, editing: null };

function t(key, params) {
  let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
  for (const [k, v] of Object.entries(params || {})) s = s.replaceAll(`{${k}}`, v);
  return s;
}

/** The text of an error, chosen by its code; the backend's message adds the detail. */
function errorText(e) {
  const code = (e && e.code) || "internal";
  const head = (I18N[state.lang].errors || {})[code] || I18N.zh.errors[code] || code;
  const detail = e && e.message ? e.message : "";
  return detail && detail !== head ? `${head}：${detail}` : head;
}

async function invoke(cmd, args) {
  try {
    return await window.__TAURI__.core.invoke(cmd, args || {});
  } catch (e) {
    const err = typeof e === "object" && e !== null ? e : { code: "internal", message: String(e) };
    // The backend locked the screen (idle) or nobody is signed in: back to the PIN.
    if ((err.code === "session_locked" || err.code === "sign_in_required") && window.MemberSession) {
      window.MemberSession.gate();
    }
    throw err;
  }
}

function applyI18n() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => (el.textContent = t(el.dataset.i18n)));
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => (el.placeholder = t(el.dataset.i18nPlaceholder)));
  $("#lang-toggle").textContent = state.lang === "zh" ? "EN" : "中文";
  if (state.card) renderCard(state.card);
  renderResults();
  renderReview();
  if (state.queue) renderQueue();
}

let toastTimer;
function toast(text, ok) {
  const el = $("#toast");
  el.textContent = text;
  el.classList.toggle("ok", !!ok);
  el.classList.remove("hidden");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add("hidden"), ok ? 2500 : 6000);
}

function showScreen(name) {
  document.querySelectorAll(".screen").forEach((s) => s.classList.toggle("active", s.id === `screen-${name}`));
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.screen === name));
  if (name === "desk") $("#search").focus();
  if (name === "enrol") $("#f-name").focus();
  if (name === "manager") openManager();
  if (name === "service") loadQueue();
}

// ---- store status -------------------------------------------------------------------

async function loadStatus(confirm) {
  try {
    const s = await invoke("app_status", { confirm: !!confirm });
    $("#store-date").textContent = s.store_date_now;
    $("#store-counts").textContent = t("counts", { members: s.members, receipts: s.receipts });
    // The full check of the data file runs in the background after start.
    if (s.integrity.state === "checking") setTimeout(loadStatus, 2000);
    const banner = $("#banner");
    banner.classList.toggle("hidden", s.integrity.state !== "damaged");
    if (s.integrity.state === "damaged") banner.textContent = t("integrity.damaged", { message: s.integrity.message });
    return s;
  } catch (e) {
    if (e.code === "store_date_jump_unconfirmed") {
      $("#date-message").textContent = e.message;
      $("#dlg-date").showModal();
    } else {
      toast(errorText(e));
    }
    return null;
  }
}

// ---- lookup -------------------------------------------------------------------------

let searchTimer;
async function runSearch() {
  const q = $("#search").value.trim();
  const seq = ++state.searchSeq;
  if (!q) {
    state.hits = [];
    renderResults();
    return state.hits;
  }
  try {
    const hits = await invoke("member_search", { query: q });
    if (seq === state.searchSeq) {
      state.hits = hits;
      state.selected = 0;
      renderResults();
    }
    return hits;
  } catch (e) {
    toast(errorText(e));
    return [];
  }
}

function renderResults() {
  const ul = $("#results");
  ul.innerHTML = "";
  if ($("#search").value.trim() && state.hits.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = t("search.none");
    ul.append(li);
    return;
  }
  state.hits.forEach((h, i) => {
    const li = document.createElement("li");
    li.className = i === state.selected ? "selected" : "";
    li.dataset.memberNo = h.member_no;
    li.innerHTML = `<span class="r-name"></span><span class="r-points"></span><span class="r-meta"></span><span class="r-meta r-tier"></span>`;
    li.querySelector(".r-name").textContent = `${h.name}（${h.greeting}）`;
    li.querySelector(".r-points").textContent = h.points_balance;
    li.querySelector(".r-points").classList.toggle("negative", h.points_balance < 0);
    li.querySelector(".r-meta").textContent = `${h.member_no} · ${h.phone || ""}`;
    li.querySelector(".r-tier").textContent = t(`tier.${h.tier}`) + (h.vip ? ` · ${t("card.vip")}` : "");
    li.addEventListener("click", () => openMember(h.member_no));
    ul.append(li);
  });
}

async function openSelected() {
  clearTimeout(searchTimer);
  // A scanner types faster than the debounce: search now, then open the best match.
  const hits = await runSearch();
  const h = hits[state.selected] || hits[0];
  if (h) openMember(h.member_no);
}

// ---- member card --------------------------------------------------------------------

async function openMember(memberNo) {
  try {
    const card = await invoke("member_show", { member: memberNo });
    state.card = card;
    renderCard(card);
    $("#checkout-result").classList.add("hidden");
    $("#checkout-error").textContent = "";
    $("#checkout-amount").classList.remove("invalid");
    $("#checkout-amount").value = "";
    $("#checkout-coupon").value = "";
    $("#checkout-coupon-pick").value = "";
    $("#checkout-quote").textContent = "";
    $("#checkout-receipt").value = await invoke("receipt_suggest");
    $("#checkout-amount").focus();
  } catch (e) {
    toast(errorText(e));
  }
}

function renderCard(c) {
  $("#card-empty").classList.add("hidden");
  $("#card").classList.remove("hidden");
  $("#card-greeting").textContent = state.lang === "zh" ? `${c.greeting}${t("card.hello")}` : `${c.greeting}${t("card.hello")}`;
  $("#card-name").textContent = c.name;
  $("#card-no").textContent = c.member_no;
  $("#card-phone").textContent = c.phone || "";
  const tier = $("#card-tier");
  tier.className = `tier ${c.tier}`;
  tier.textContent = t(`tier.${c.tier}`);
  const bal = $("#card-balance");
  bal.textContent = c.points_balance;
  bal.classList.toggle("negative", c.points_balance < 0);
  const exp = c.expiring_within_30_days;
  $("#card-expiring").textContent = exp ? t("card.expiringText", { points: exp.points, date: exp.first_date }) : t("card.noExpiring");
  $("#card-expiring").classList.toggle("negative", !!exp);
  const flags = $("#card-flags");
  flags.innerHTML = "";
  const flag = (text, warn) => {
    const s = document.createElement("span");
    s.className = warn ? "flag warn" : "flag";
    s.textContent = text;
    flags.append(s);
  };
  flag(`${t("card.joined")} ${c.joined_on}`);
  flag(`${t("card.code")} ${c.referral_code}`);
  if (c.vip) flag(t("card.vip"));
  if (!c.contact_ok) flag(t("card.noContact"), true);
  if (c.archived) flag(t("card.archived"), true);
  if (c.points_balance < 0) flag(t("card.negative"), true);
  const log = $("#card-contact-log");
  log.innerHTML = "";
  if (!c.contact_log.length) {
    const li = document.createElement("li");
    li.textContent = t("card.noContacts");
    log.append(li);
  }
  for (const a of c.contact_log) {
    const li = document.createElement("li");
    li.textContent = `${a.at.slice(0, 16)} ${a.staff || ""} ${t(`outcome.${a.outcome}`)}${a.note ? `：${a.note}` : ""}`;
    log.append(li);
  }
  const usable = c.coupons.filter((cp) => cp.status === "unused");
  $("#card-coupons").textContent = usable.length ? t("card.couponCount", { n: usable.length }) : t("card.couponsSoon");
  const list = $("#card-coupon-list");
  list.innerHTML = "";
  if (!c.coupons.length) {
    list.innerHTML = `<tr><td class="muted"></td></tr>`;
    list.querySelector("td").textContent = t("card.noCoupons");
  }
  for (const cp of c.coupons) {
    const tr = document.createElement("tr");
    const cells = [cp.name, cp.description, cp.code, t("coupon.until", { date: cp.valid_until }), t(`coupon.${cp.status}`)];
    cells.forEach((v, i) => {
      const td = document.createElement("td");
      td.textContent = v;
      if (i === 4) td.className = `coupon-status ${cp.status}`;
      tr.append(td);
    });
    list.append(tr);
  }
  const pick = $("#checkout-coupon-pick");
  const keep = pick.value;
  pick.innerHTML = "";
  const none = document.createElement("option");
  none.value = "";
  none.textContent = t("checkout.noCoupon");
  pick.append(none);
  for (const cp of usable) {
    const o = document.createElement("option");
    o.value = cp.code;
    o.textContent = `${cp.name}（${cp.description}）`;
    pick.append(o);
  }
  pick.value = usable.some((cp) => cp.code === keep) ? keep : "";
  const refs = [];
  if (c.referred_by) refs.push(t("card.referredBy", { no: c.referred_by }));
  if (c.referrals.members.length) refs.push(t("card.referrals", { total: c.referrals.members.length, ok: c.referrals.successful }));
  $("#card-referrals").textContent = refs.join(" · ");
  const tv = c.tier_view;
  $("#tv-title").textContent = t(`tier.${tv.tier}`);
  $("#tv-benefits").textContent = tv.benefits;
  $("#tv-score").textContent = t("tv.score", { date: tv.next_evaluation, score: tv.score, c: tv.consumption, i: tv.interaction });
  let next = "";
  if (tv.next) {
    if (state.lang === "zh") next = tv.next.text;
    else {
      const ways = [];
      if (tv.next.spend) ways.push(`spend ¥${tv.next.spend}`);
      if (tv.next.visits) ways.push(`${tv.next.visits} more visits`);
      next = `${ways.join(" or ")}${tv.next.needs_referral ? (ways.length ? " and " : "") + "one successful referral" : ""} → ${t(`tier.${tv.next.tier}`)}`;
    }
  } else if (tv.projected_tier === tv.tier && tv.tier === "loyal") {
    next = t("tv.top");
  }
  $("#tv-next").textContent = next;
  const notes = $("#card-notes");
  notes.textContent = c.notes ? `${t("card.notes")}${c.notes}` : "";
  notes.classList.toggle("hidden", !c.notes);
  const body = $("#card-visits");
  body.innerHTML = "";
  if (!c.recent_receipts.length) {
    body.innerHTML = `<tr><td colspan="5" class="muted"></td></tr>`;
    body.querySelector("td").textContent = t("visits.none");
  }
  for (const r of c.recent_receipts) {
    const tr = document.createElement("tr");
    const kind = r.history ? `${t(`visits.${r.kind}`)}（${t("visits.history")}）` : t(`visits.${r.kind}`);
    const points = r.kind === "refund" ? -r.points : r.points;
    [r.at, r.receipt, kind, r.kind === "refund" ? `-${r.paid}` : r.paid, points].forEach((v, i) => {
      const td = document.createElement("td");
      td.textContent = v;
      if (i >= 3) td.className = "num";
      tr.append(td);
    });
    body.append(tr);
  }
}

// ---- checkout -----------------------------------------------------------------------

async function submitCheckout(ev) {
  ev.preventDefault();
  if (!state.card) return;
  const amountEl = $("#checkout-amount");
  const errEl = $("#checkout-error");
  errEl.textContent = "";
  amountEl.classList.remove("invalid");
  $("#checkout-submit").disabled = true;
  try {
    const o = await invoke("checkout", { input: checkoutInput() });
    const res = $("#checkout-result");
    res.innerHTML = "";
    const add = (cls, text) => {
      const s = document.createElement("span");
      s.className = cls;
      s.textContent = text;
      res.append(s, document.createTextNode("　"));
    };
    if (o.duplicate) add("", t("checkout.duplicate"));
    if (o.coupon_used) add("", `${t("checkout.couponUsed", { code: o.coupon_used })} −¥${o.discount}`);
    add("big", t("checkout.earned", { points: o.points_earned }));
    add("balance", t("checkout.balance", { balance: o.points_balance }));
    if (o.gift) add("gift", t("checkout.gift", { gift: o.gift }));
    res.classList.remove("hidden");
    const card = await invoke("member_show", { member: state.card.member_no });
    state.card = card;
    renderCard(card);
    amountEl.value = "";
    $("#checkout-coupon").value = "";
    $("#checkout-quote").textContent = "";
    $("#checkout-receipt").value = await invoke("receipt_suggest");
    runSearch();
    loadStatus();
  } catch (e) {
    errEl.textContent = errorText(e);
    if (e.code === "invalid_amount") amountEl.classList.add("invalid");
    amountEl.focus();
    amountEl.select();
  } finally {
    $("#checkout-submit").disabled = false;
  }
}

/** The checkout as typed: member, amount, receipt, and a scanned or chosen coupon. */
function checkoutInput() {
  const coupon = $("#checkout-coupon").value.trim() || $("#checkout-coupon-pick").value || null;
  return { member: state.card.member_no, amount: $("#checkout-amount").value, receipt: $("#checkout-receipt").value, coupon };
}

let quoteTimer;
/** What the checkout would give, computed by the backend without recording anything. */
function requestQuote() {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(async () => {
    const q = $("#checkout-quote");
    const errEl = $("#checkout-error");
    if (!state.card || !$("#checkout-amount").value.trim()) {
      q.textContent = "";
      return;
    }
    try {
      const o = await invoke("checkout_quote", { input: checkoutInput() });
      q.textContent = t("checkout.quote", { paid: o.paid, discount: o.discount, points: o.points_earned });
      errEl.textContent = "";
    } catch (e) {
      q.textContent = "";
      if (e.code !== "invalid_amount") errEl.textContent = errorText(e);
    }
  }, 200);
}

// ---- redemption ---------------------------------------------------------------------

async function openRedeem() {
  if (!state.card) return;
  try {
    const r = await invoke("redeem_options", { member: state.card.member_no });
    $("#redeem-before").textContent = r.points_balance;
    $("#redeem-before").classList.toggle("negative", r.points_balance < 0);
    const ul = $("#redeem-items");
    ul.innerHTML = "";
    for (const it of r.items) {
      const li = document.createElement("li");
      li.className = it.refused ? "refused" : "";
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "redeem-item";
      radio.value = it.id;
      radio.disabled = !!it.refused;
      const stock = it.stock === null ? t("redeem.unlimited") : t("redeem.stock", { n: it.stock });
      const text = document.createElement("span");
      text.textContent = `${it.name} · ${it.points} · ${stock} · ${it.refused || t("redeem.after", { after: it.balance_after })}`;
      label.append(radio, text);
      li.append(label);
      ul.append(li);
    }
    $("#redeem-error").textContent = "";
    $("#dlg-redeem").showModal();
  } catch (e) {
    toast(errorText(e));
  }
}

async function submitRedeem(ev) {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault();
  const chosen = document.querySelector('input[name="redeem-item"]:checked');
  if (!chosen) {
    $("#redeem-error").textContent = t("redeem.pick");
    return;
  }
  try {
    const o = await invoke("redeem", { member: state.card.member_no, item: Number(chosen.value) });
    $("#dlg-redeem").close();
    toast(t("redeem.done", { item: o.item, points: o.points_spent, before: o.points_before, after: o.points_balance }), true);
    openMember(state.card.member_no);
  } catch (e) {
    $("#redeem-error").textContent = errorText(e);
  }
}

// ---- manager: catalog and coupon templates ------------------------------------------

function cellInput(value, attrs) {
  const td = document.createElement("td");
  const input = document.createElement(attrs && attrs.options ? "select" : "input");
  if (attrs && attrs.options) {
    for (const [v, label] of attrs.options) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = label;
      input.append(o);
    }
  }
  if (attrs && attrs.type) input.type = attrs.type;
  if (input.type === "checkbox") input.checked = !!value;
  else input.value = value === null || value === undefined ? "" : value;
  td.append(input);
  return [td, input];
}

async function loadProgram() {
  try {
    const [items, templates] = await Promise.all([invoke("catalog"), invoke("coupon_templates")]);
    const body = $("#catalog-table tbody");
    body.innerHTML = "";
    for (const it of items) {
      const tr = document.createElement("tr");
      const [a, name] = cellInput(it.name);
      const [b, points] = cellInput(it.points);
      const [c, stock] = cellInput(it.stock);
      const [d, active] = cellInput(it.active, { type: "checkbox" });
      const save = document.createElement("button");
      save.textContent = t("catalog.save");
      save.addEventListener("click", () =>
        saveProgram("catalog_save", {
          item: {
            id: it.id, name: name.value, points: Number.parseInt(points.value, 10) || 0,
            stock: stock.value.trim() === "" ? null : Number.parseInt(stock.value, 10), voucher: it.voucher, active: active.checked,
          },
        }),
      );
      const e = document.createElement("td");
      e.append(save);
      tr.append(a, b, c, d, e);
      body.append(tr);
    }
    const tb = $("#templates-table tbody");
    tb.innerHTML = "";
    for (const tp of templates) {
      const tr = document.createElement("tr");
      const [a, name] = cellInput(tp.name);
      const [b, kind] = cellInput(tp.kind, {
        options: [["amount", t("templates.amount")], ["rate", t("templates.rate")], ["service", t("templates.service")]],
      });
      kind.value = tp.kind;
      const [c, value] = cellInput(tp.value);
      const [d, min] = cellInput(tp.min_spend);
      const [e, days] = cellInput(tp.days_valid);
      const [f, active] = cellInput(tp.active, { type: "checkbox" });
      const save = document.createElement("button");
      save.textContent = t("catalog.save");
      save.addEventListener("click", () =>
        saveProgram("coupon_template_save", {
          template: {
            key: tp.key, name: name.value, kind: kind.value, value: value.value, min_spend: min.value,
            days_valid: Number.parseInt(days.value, 10) || 0, active: active.checked,
          },
        }),
      );
      const g = document.createElement("td");
      g.append(save);
      tr.append(a, b, c, d, e, f, g);
      tb.append(tr);
    }
  } catch (e) {
    toast(errorText(e));
  }
}

async function saveProgram(cmd, args) {
  $("#program-error").textContent = "";
  try {
    await invoke(cmd, args);
    toast(t("program.saved"), true);
    loadProgram();
  } catch (e) {
    $("#program-error").textContent = errorText(e);
  }
}

// ---- refund and adjustment ----------------------------------------------------------

async function openRefund() {
  if (!state.card) return;
  const sel = $("#refund-of");
  sel.innerHTML = "";
  for (const r of state.card.recent_receipts.filter((r) => r.kind === "sale")) {
    const o = document.createElement("option");
    o.value = r.receipt;
    o.textContent = `${r.receipt}  ${r.at}  ¥${r.paid}`;
    sel.append(o);
  }
  const suggested = await invoke("receipt_suggest").catch(() => "");
  $("#refund-receipt").value = suggested.replace(/^R/, "T");
  $("#refund-amount").value = "";
  $("#refund-error").textContent = "";
  $("#dlg-refund").showModal();
}

async function submitRefund(ev) {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault();
  try {
    const o = await invoke("refund", {
      input: { of: $("#refund-of").value, receipt: $("#refund-receipt").value, amount: $("#refund-amount").value },
    });
    $("#dlg-refund").close();
    toast(t("refund.done", { points: o.points_clawed_back, balance: o.points_balance }), true);
    openMember(state.card.member_no);
  } catch (e) {
    $("#refund-error").textContent = errorText(e);
  }
}

async function submitAdjust(ev) {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault();
  const points = Number.parseInt($("#adjust-points").value, 10);
  try {
    const o = await invoke("points_adjust", {
      member: state.card.member_no,
      points: Number.isFinite(points) ? points : 0,
      reason: $("#adjust-reason").value,
    });
    $("#dlg-adjust").close();
    toast(t("adjust.done", { balance: o.points_balance }), true);
    openMember(state.card.member_no);
  } catch (e) {
    $("#adjust-error").textContent = errorText(e);
  }
}

// ---- interactions -------------------------------------------------------------------

async function submitInteraction(ev) {
  ev.preventDefault();
  if (!state.card) return;
  $("#interaction-error").textContent = "";
  try {
    const o = await invoke("interaction_record", {
      member: state.card.member_no,
      kind: $("#interaction-kind").value,
      date: null,
      note: $("#interaction-note").value,
    });
    $("#interaction-note").value = "";
    toast(t("interaction.done", { points: o.points }), true);
    openMember(state.card.member_no);
  } catch (e) {
    $("#interaction-error").textContent = errorText(e);
  }
}

// ---- manager: monthly tier review and settings --------------------------------------

const TIERS = ["regular", "active", "core", "loyal"];

async function loadReview() {
  const month = $("#review-month").value;
  if (!month) return;
  try {
    state.review = await invoke("tier_review", { month });
    renderReview();
  } catch (e) {
    toast(errorText(e));
  }
}

function renderReview() {
  const r = state.review;
  if (!r) return;
  $("#review-info").textContent = r.run
    ? t("review.info", { day: r.run.evaluation_day, evaluated: r.run.evaluated, changed: r.run.changed, ms: r.run.duration_ms })
    : t("review.none");
  const m = $("#review-matrix");
  m.innerHTML = "";
  const head = document.createElement("tr");
  head.append(document.createElement("th"));
  TIERS.forEach((to) => {
    const th = document.createElement("th");
    th.textContent = t(`tier.${to}`);
    head.append(th);
  });
  m.append(head);
  TIERS.forEach((from, i) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = t(`tier.${from}`);
    tr.append(th);
    TIERS.forEach((_, j) => {
      const td = document.createElement("td");
      td.textContent = i === j ? "—" : r.matrix[i][j];
      td.className = i === j ? "same" : r.matrix[i][j] ? (j > i ? "up" : "down") : "";
      td.dataset.from = from;
      td.dataset.to = TIERS[j];
      tr.append(td);
    });
    m.append(tr);
  });
  const chart = $("#review-chart");
  chart.innerHTML = "";
  const max = Math.max(1, ...r.distribution.map((d) => (d.counts ? d.counts.reduce((a, b) => a + b, 0) : 0)));
  const labels = document.createElement("div");
  labels.className = "chart-labels";
  for (const d of r.distribution) {
    const bar = document.createElement("div");
    bar.className = d.counts ? "bar" : "bar none";
    bar.title = d.counts ? `${d.month}: ${TIERS.map((k, i) => `${t(`tier.${k}`)} ${d.counts[i]}`).join(" · ")}` : d.month;
    if (d.counts) {
      d.counts.forEach((n, i) => {
        const seg = document.createElement("span");
        seg.className = `seg-${TIERS[i]}`;
        seg.style.height = `${(160 * n) / max}px`;
        bar.append(seg);
      });
    }
    chart.append(bar);
    const l = document.createElement("span");
    l.textContent = d.month.slice(2);
    labels.append(l);
  }
  chart.after(labels);
  const old = chart.parentElement.querySelectorAll(".chart-labels");
  old.forEach((el, i) => i < old.length - 1 && el.remove());
  $("#review-legend").innerHTML = TIERS.map((k) => `<span><i class="seg-${k}"></i>${t(`tier.${k}`)}</span>`).join("");
  const dir = $("#review-dir").value;
  const tier = $("#review-tier").value;
  const body = $("#review-changes tbody");
  body.innerHTML = "";
  const changes = (r.run ? r.run.changes : []).filter(
    (c) => (!dir || c.direction === dir) && (!tier || c.from === tier || c.to === tier),
  );
  if (!changes.length) {
    body.innerHTML = `<tr><td colspan="6" class="muted"></td></tr>`;
    body.querySelector("td").textContent = t("review.noChanges");
  }
  for (const c of changes) {
    const tr = document.createElement("tr");
    [`${c.member_no} ${c.name}`, t(`tier.${c.from}`), t(`tier.${c.to}`), c.score, c.consumption, c.interaction].forEach((v, i) => {
      const td = document.createElement("td");
      td.textContent = v;
      if (i === 2) td.className = c.direction === "up" ? "dir-up" : "dir-down";
      if (i >= 3) td.className = "num";
      tr.append(td);
    });
    body.append(tr);
  }
}

async function runReview() {
  try {
    await invoke("tier_evaluate", { month: $("#review-month").value });
    loadReview();
  } catch (e) {
    toast(errorText(e));
  }
}

async function exportReview(format) {
  try {
    const path = await invoke("tier_export", { month: $("#review-month").value, format });
    toast(t("review.exported", { path }), true);
  } catch (e) {
    toast(errorText(e));
  }
}

function settingPath(obj, path) {
  const keys = path.split(".");
  const last = keys.pop();
  const parent = keys.reduce((o, k) => o[k], obj);
  return [parent, last];
}

async function loadSettings() {
  try {
    const r = await invoke("settings_get");
    state.settings = r.settings;
    document.querySelectorAll("[data-setting]").forEach((el) => {
      const [parent, key] = settingPath(r.settings, el.dataset.setting);
      el.value = parent[key];
    });
    const ul = $("#settings-history");
    ul.innerHTML = "";
    for (const h of r.history) {
      const li = document.createElement("li");
      li.textContent = t("settings.by", { at: h.at, staff: h.staff || "" });
      ul.append(li);
    }
  } catch (e) {
    toast(errorText(e));
  }
}

async function saveSettings(ev) {
  ev.preventDefault();
  $("#settings-error").textContent = "";
  const s = JSON.parse(JSON.stringify(state.settings));
  document.querySelectorAll("[data-setting]").forEach((el) => {
    const [parent, key] = settingPath(s, el.dataset.setting);
    parent[key] = el.value.trim();
  });
  try {
    await invoke("settings_save", { settings: s });
    toast(t("settings.saved"), true);
    loadSettings();
  } catch (e) {
    $("#settings-error").textContent = errorText(e);
  }
}

function openManager() {
  if (!$("#review-month").value) $("#review-month").value = ($("#store-date").textContent || "").slice(0, 7);
  loadReview();
  loadSettings();
  loadProgram();
  loadContactSettings();
  if (window.MemberSession) window.MemberSession.openManager();
}

// ---- customer service: the contact list ---------------------------------------------

async function loadQueue() {
  try {
    [state.queue, state.smsBatches] = await Promise.all([invoke("contact_queue"), invoke("contact_sms_batches")]);
    const keep = state.entry && state.queue.find((e) => e.id === state.entry.id);
    state.entry = keep || state.queue[0] || null;
    renderQueue();
  } catch (e) {
    toast(errorText(e));
  }
}

function renderQueue() {
  const q = state.queue || [];
  const batches = state.smsBatches || [];
  const unsent = batches.filter((b) => !b.exported_at);
  $("#service-counts").textContent = t("service.counts", {
    calls: q.filter((e) => e.channel === "call").length,
    sms: unsent.reduce((n, b) => n + b.members, 0) + q.filter((e) => e.channel === "sms").length,
    overdue: q.filter((e) => e.overdue).length,
  });
  renderSmsBatches(batches);
  const ul = $("#service-entries");
  ul.innerHTML = "";
  for (const e of q) {
    const li = document.createElement("li");
    li.className = state.entry && state.entry.id === e.id ? "selected" : "";
    li.dataset.entry = e.id;
    const name = document.createElement("span");
    name.className = "r-name";
    name.textContent = `${e.greeting} ${e.member_no}`;
    const badges = document.createElement("span");
    badges.className = "r-points";
    const badge = (text, cls) => {
      const b = document.createElement("span");
      b.className = `badge ${cls || ""}`;
      b.textContent = text;
      badges.append(b);
    };
    badge(t(`service.${e.channel}`), e.channel);
    if (e.overdue) badge(`${t("service.overdue")} ${e.list_date.slice(5)}`, "overdue");
    if (e.attempts) badge(t("service.attempts", { n: e.attempts }));
    const meta = document.createElement("span");
    meta.className = "r-meta";
    meta.textContent = e.reasons.map((r) => t(`reason.${r.kind}`)).join("、");
    const tier = document.createElement("span");
    tier.className = "r-meta r-tier";
    tier.textContent = t(`tier.${e.tier}`) + (e.vip ? ` · ${t("card.vip")}` : "");
    li.append(name, badges, meta, tier);
    li.addEventListener("click", () => {
      state.entry = e;
      renderQueue();
    });
    ul.append(li);
  }
  renderEntry();
}

/** One line per SMS batch: its holidays, how many members, and whether it was sent. */
function renderSmsBatches(batches) {
  const ul = $("#service-sms-batches");
  ul.innerHTML = "";
  for (const b of batches) {
    const li = document.createElement("li");
    li.className = b.exported_at ? "sent" : "unsent";
    const what = document.createElement("span");
    what.textContent = t("service.smsBatch", {
      reasons: b.reasons.map((r) => r.detail).join("、"),
      n: b.members.toLocaleString(),
    });
    const status = document.createElement("span");
    status.className = "badge " + (b.exported_at ? "" : b.overdue ? "overdue" : "sms");
    status.textContent = b.exported_at
      ? t("service.smsSent", { at: b.exported_at.slice(11, 16), by: b.exported_by || "" })
      : b.overdue
        ? `${t("service.overdue")} ${b.list_date.slice(5)}`
        : t("service.smsUnsent");
    li.append(what, status);
    ul.append(li);
  }
}

function renderEntry() {
  const e = state.entry;
  $("#service-empty").classList.toggle("hidden", !!e);
  $("#service-entry").classList.toggle("hidden", !e);
  if (!e) return;
  $("#se-greeting").textContent = e.greeting;
  $("#se-member").textContent = `${e.name} · ${e.member_no}`;
  $("#se-phone").textContent = e.phone || "";
  const tier = $("#se-tier");
  tier.className = `tier ${e.tier}`;
  tier.textContent = t(`tier.${e.tier}`) + (e.vip ? ` · ${t("card.vip")}` : "");
  const reasons = $("#se-reasons");
  reasons.innerHTML = "";
  for (const r of e.reasons) {
    const li = document.createElement("li");
    li.textContent = `${t(`reason.${r.kind}`)}：${r.detail}`;
    reasons.append(li);
  }
  const notes = $("#se-notes");
  notes.textContent = e.notes ? `${t("card.notes")}${e.notes}` : "";
  notes.classList.toggle("hidden", !e.notes);
  const scripts = $("#se-scripts");
  scripts.innerHTML = "";
  for (const text of e.scripts) {
    const p = document.createElement("p");
    p.textContent = text;
    scripts.append(p);
  }
  $("#se-error").textContent = "";
}

async function recordContact(outcome) {
  const e = state.entry;
  if (!e) return;
  $("#se-error").textContent = "";
  try {
    await invoke("contact_record", {
      entry: e.id,
      outcome,
      note: $("#se-note").value,
      rescheduleTo: outcome === "rescheduled" ? $("#se-date").value || null : null,
    });
    $("#se-note").value = "";
    toast(t("service.saved"), true);
    state.entry = null;
    loadQueue();
  } catch (err) {
    $("#se-error").textContent = errorText(err);
  }
}

async function exportContacts(channel) {
  try {
    const path = await invoke("contact_export", { channel });
    toast(t("service.exported", { path }), true);
    if (channel === "sms") loadQueue();
  } catch (e) {
    toast(errorText(e));
  }
}

// ---- manager: holidays and scripts --------------------------------------------------

async function loadContactSettings() {
  try {
    const r = await invoke("contact_settings");
    const body = $("#holidays-table tbody");
    body.innerHTML = "";
    const rows = [...r.holidays, { id: 0, name: "", calendar: "solar", month: 1, day: 1, audience: "all", active: true }];
    for (const h of rows) {
      const tr = document.createElement("tr");
      const [a, name] = cellInput(h.name);
      const [b, cal] = cellInput(h.calendar, { options: [["solar", t("holidays.solar")], ["lunar", t("holidays.lunar")]] });
      cal.value = h.calendar;
      const [c, month] = cellInput(h.month);
      const [d, day] = cellInput(h.day);
      const [e, aud] = cellInput(h.audience, {
        options: [["all", t("holidays.all")], ["women", t("holidays.women")], ["seniors", t("holidays.seniors")]],
      });
      aud.value = h.audience;
      const [f, active] = cellInput(h.active, { type: "checkbox" });
      const save = document.createElement("button");
      save.textContent = h.id ? t("catalog.save") : t("holidays.add");
      save.addEventListener("click", () =>
        saveContactSetting("holiday_save", {
          holiday: {
            id: h.id, name: name.value, calendar: cal.value, month: Number.parseInt(month.value, 10) || 0,
            day: Number.parseInt(day.value, 10) || 0, audience: aud.value, active: active.checked,
          },
        }),
      );
      const g = document.createElement("td");
      g.append(save);
      tr.append(a, b, c, d, e, f, g);
      body.append(tr);
    }
    const list = $("#scripts-list");
    list.innerHTML = "";
    for (const sc of r.scripts) {
      const row = document.createElement("div");
      row.className = "row";
      const label = document.createElement("span");
      label.textContent = t(`reason.${sc.kind}`);
      const text = document.createElement("textarea");
      text.rows = 2;
      text.value = sc.text;
      const save = document.createElement("button");
      save.type = "button";
      save.textContent = t("catalog.save");
      save.addEventListener("click", () => saveContactSetting("contact_script_save", { script: { kind: sc.kind, text: text.value } }));
      row.append(label, text, save);
      list.append(row);
    }
  } catch (e) {
    toast(errorText(e));
  }
}

async function saveContactSetting(cmd, args) {
  $("#program-error").textContent = "";
  try {
    await invoke(cmd, args);
    toast(t("program.saved"), true);
    loadContactSettings();
  } catch (e) {
    $("#program-error").textContent = errorText(e);
  }
}

// ---- enrol / edit -------------------------------------------------------------------

const FIELD_OF_CODE = {
  invalid_name: "name", invalid_phone: "phone", phone_taken: "phone", invalid_birthday: "birthday",
  invalid_gender: "gender", referrer_not_found: "referrer",
};

function resetMemberForm(card) {
  state.editing = card ? card.member_no : null;
  $("#member-form-title").textContent = t(card ? "enrol.editTitle" : "enrol.title");
  $("#f-name").value = card ? card.name : "";
  $("#f-phone").value = card ? card.phone || "" : "";
  const g = card ? (card.gender === "unknown" ? "" : card.gender) : "";
  document.querySelectorAll('input[name="gender"]').forEach((r) => (r.checked = r.value === g));
  $("#f-birthday").value = card && card.birthday ? card.birthday : "";
  $("#f-lunar").checked = !!(card && card.birthday_calendar && card.birthday_calendar.startsWith("lunar"));
  $("#f-leap").checked = !!(card && card.birthday_calendar === "lunar_leap");
  $("#f-referrer").value = "";
  $("#f-referrer-row").classList.toggle("hidden", !!card);
  $("#f-contact").checked = card ? card.contact_ok : true;
  $("#f-notes").value = card ? card.notes : "";
  document.querySelectorAll("#member-form .field-error").forEach((el) => (el.textContent = ""));
  document.querySelectorAll("#member-form input").forEach((el) => el.classList.remove("invalid"));
}

async function submitMember(ev) {
  ev.preventDefault();
  document.querySelectorAll("#member-form .field-error").forEach((el) => (el.textContent = ""));
  document.querySelectorAll("#member-form input").forEach((el) => el.classList.remove("invalid"));
  const input = {
    name: $("#f-name").value,
    phone: $("#f-phone").value,
    gender: (document.querySelector('input[name="gender"]:checked') || {}).value || "",
    birthday: $("#f-birthday").value,
    lunar: $("#f-lunar").checked,
    leap: $("#f-leap").checked,
    referrer: $("#f-referrer").value,
    contact_ok: $("#f-contact").checked,
    notes: $("#f-notes").value,
  };
  try {
    const card = state.editing
      ? await invoke("member_update", { member: state.editing, input })
      : await invoke("member_enroll", { input });
    toast(state.editing ? t("enrol.saved") : t("enrol.done", { no: card.member_no }), true);
    resetMemberForm(null);
    showScreen("desk");
    $("#search").value = card.member_no;
    await runSearch();
    openMember(card.member_no);
    loadStatus();
  } catch (e) {
    const field = FIELD_OF_CODE[e.code] || "form";
    document.querySelector(`#member-form .field-error[data-for="${field}"]`).textContent = errorText(e);
    const input = { name: "#f-name", phone: "#f-phone", birthday: "#f-birthday", referrer: "#f-referrer" }[field];
    if (input) {
      $(input).classList.add("invalid");
      $(input).focus();
    }
  }
}

// ---- wiring -------------------------------------------------------------------------

function wire() {
  $("#search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 120);
  });
  $("#search").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = state.hits.length;
      if (n) state.selected = (state.selected + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      renderResults();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      openSelected();
    } else if (ev.key === "Escape") {
      $("#search").value = "";
      state.hits = [];
      renderResults();
    }
  });
  $("#checkout-form").addEventListener("submit", submitCheckout);
  $("#refund-form").addEventListener("submit", submitRefund);
  $("#adjust-form").addEventListener("submit", submitAdjust);
  $("#member-form").addEventListener("submit", submitMember);
  $("#interaction-form").addEventListener("submit", submitInteraction);
  $("#redeem-form").addEventListener("submit", submitRedeem);
  $("#se-done").addEventListener("click", () => recordContact("done"));
  $("#se-noanswer").addEventListener("click", () => recordContact("no_answer"));
  $("#se-reschedule").addEventListener("click", () => recordContact("rescheduled"));
  $("#se-dnc").addEventListener("click", () => $("#dlg-dnc").showModal());
  $("#dnc-confirm").addEventListener("click", () => {
    $("#dlg-dnc").close();
    recordContact("do_not_call");
  });
  $("#dnc-cancel").addEventListener("click", () => $("#dlg-dnc").close());
  $("#service-sms").addEventListener("click", () => exportContacts("sms"));
  $("#service-calls").addEventListener("click", () => exportContacts("call"));
  $("#btn-redeem").addEventListener("click", openRedeem);
  $("#checkout-amount").addEventListener("input", requestQuote);
  $("#checkout-coupon").addEventListener("input", requestQuote);
  $("#checkout-coupon-pick").addEventListener("change", requestQuote);
  $("#review-month").addEventListener("change", loadReview);
  $("#review-run").addEventListener("click", runReview);
  $("#review-csv").addEventListener("click", () => exportReview("csv"));
  $("#review-xlsx").addEventListener("click", () => exportReview("xlsx"));
  $("#review-dir").addEventListener("change", renderReview);
  $("#review-tier").addEventListener("change", renderReview);
  $("#settings-form").addEventListener("submit", saveSettings);
  $("#member-cancel").addEventListener("click", () => {
    resetMemberForm(null);
    showScreen("desk");
  });
  $("#btn-refund").addEventListener("click", openRefund);
  $("#btn-adjust").addEventListener("click", () => {
    if (!state.card) return;
    $("#adjust-points").value = "";
    $("#adjust-reason").value = "";
    $("#adjust-error").textContent = "";
    $("#dlg-adjust").showModal();
  });
  $("#btn-edit").addEventListener("click", () => {
    if (!state.card) return;
    resetMemberForm(state.card);
    showScreen("enrol");
  });
  document.querySelectorAll(".tab").forEach((b) =>
    b.addEventListener("click", () => {
      if (b.dataset.screen === "enrol") resetMemberForm(null);
      showScreen(b.dataset.screen);
    }),
  );
  $("#lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("lang", state.lang);
    applyI18n();
  });
  $("#first-demo").addEventListener("click", async () => {
    $("#first-demo").disabled = true;
    try {
      const r = await invoke("demo_fill", { members: 200, months: 18 });
      toast(t("first.filled", { members: r.members }), true);
    } catch (e) {
      toast(errorText(e));
    }
    $("#dlg-first-run").close();
    loadStatus();
    $("#search").focus();
  });
  $("#first-empty").addEventListener("click", () => {
    localStorage.setItem("firstRunDone", "1");
    $("#dlg-first-run").close();
    $("#search").focus();
  });
  $("#date-confirm").addEventListener("click", async () => {
    $("#dlg-date").close();
    await loadStatus(true);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F1") {
      ev.preventDefault();
      showScreen("desk");
      $("#search").select();
    } else if (ev.key === "F2") {
      ev.preventDefault();
      if (state.card) {
        showScreen("desk");
        $("#checkout-amount").focus();
      }
    } else if (ev.key === "F3") {
      ev.preventDefault();
      showScreen("service");
    } else if (ev.key === "F6") {
      ev.preventDefault();
      showScreen("manager");
    } else if (ev.key === "F4") {
      ev.preventDefault();
      resetMemberForm(null);
      showScreen("enrol");
    }
  });
}

async function start() {
  wire();
  applyI18n();
  await loadStatus();
  // Nothing of the store answers until somebody signs in (the first start sets up the
  // manager, or fills the demo store with its three accounts).
  await window.MemberSession.gate();
}

document.addEventListener("DOMContentLoaded", start);
