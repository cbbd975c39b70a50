// The front desk: lookup (phone, last 4, member number, name, pinyin, a scanned code), the
// member card, checkout with coupons and the quote, redemption, refund and adjustment
// (manager), interactions, and the enrol / edit form.

import { $, errorText, invoke, loadStatus, showScreen, state, t, toast } from "./core.js";

// ---- lookup -------------------------------------------------------------------------

let searchTimer;
/** Searches a moment after the last keystroke (a scanner types fast and ends with Enter). */
function scheduleSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 120);
}

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
    // A refused scan (a replaced card) lists nobody: the last search's members would
    // look like what the scan found.
    if (seq === state.searchSeq) {
      state.hits = [];
      renderResults();
    }
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
    $("#checkout-sv").value = "";
    $("#checkout-pin").value = "";
    showPinField();
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
  const sv = c.stored_value;
  $("#card-sv").textContent = `¥${sv.total}`;
  $("#card-sv-parts").textContent = t("card.svParts", { principal: sv.principal, bonus: sv.bonus });
  $("#checkout-sv-row").classList.toggle("hidden", sv.total === "0.00");
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
  if (c.card_code) flag(`${t("card.cardCode")} ${c.card_code}`);
  if (c.sv_pin) flag(t("card.svPin"));
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
    if (o.sv_taken && o.sv_taken !== "0.00") add("sv", svSplitText(o));
    add("big", t("checkout.earned", { points: o.points_earned }));
    add("balance", t("checkout.balance", { balance: o.points_balance }));
    if (o.gift) add("gift", t("checkout.gift", { gift: o.gift }));
    if (o.sv_taken && o.sv_taken !== "0.00") add("", t("checkout.svLeft", { principal: o.principal, bonus: o.bonus_balance }));
    res.classList.remove("hidden");
    state.lastSlip = o.receipt;
    const card = await invoke("member_show", { member: state.card.member_no });
    state.card = card;
    renderCard(card);
    amountEl.value = "";
    $("#checkout-coupon").value = "";
    $("#checkout-sv").value = "";
    $("#checkout-pin").value = "";
    showPinField();
    $("#checkout-quote").textContent = "";
    $("#checkout-receipt").value = await invoke("receipt_suggest");
    runSearch();
    loadStatus();
  } catch (e) {
    errEl.textContent = errorText(e);
    if (["sv_pin_required", "wrong_pin", "invalid_pin"].includes(e.code)) {
      const pin = $("#checkout-pin");
      pin.value = "";
      pin.focus();
    } else if (["stored_value_insufficient", "sv_pin_locked"].includes(e.code)) {
      $("#checkout-sv").focus();
      $("#checkout-sv").select();
    } else {
      if (e.code === "invalid_amount") amountEl.classList.add("invalid");
      amountEl.focus();
      amountEl.select();
    }
  } finally {
    $("#checkout-submit").disabled = false;
  }
}

/** The checkout as typed: member, amount, receipt, a scanned or chosen coupon, and what
 * to take from stored value (an amount or `all`) with the member's PIN. */
function checkoutInput() {
  const coupon = $("#checkout-coupon").value.trim() || $("#checkout-coupon-pick").value || null;
  // An amount, or 全部 / all: the backend reads either.
  const storedValue = $("#checkout-sv").value.trim() || null;
  const pin = $("#checkout-pin").value.trim() || null;
  return {
    member: state.card.member_no,
    amount: $("#checkout-amount").value,
    receipt: $("#checkout-receipt").value,
    coupon,
    stored_value: storedValue,
    sv_pin: storedValue ? pin : null,
  };
}

/** 储值 ¥300.00 = 本金 ¥272.73 + 赠送 ¥27.27，其他方式 ¥99.99 — as the backend split it. */
function svSplitText(o) {
  return t("checkout.svSplit", { taken: o.sv_taken, principal: o.sv_principal, bonus: o.sv_bonus, other: o.other_payment });
}

/** The PIN box shows when the member has a PIN and stored value is being taken. */
function showPinField() {
  const wanted = !!(state.card && state.card.sv_pin && $("#checkout-sv").value.trim());
  $("#checkout-pin-field").classList.toggle("hidden", !wanted);
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
      const split = o.sv_taken && o.sv_taken !== "0.00" ? ` · ${svSplitText(o)}` : "";
      q.textContent = t("checkout.quote", { paid: o.paid, discount: o.discount, points: o.points_earned }) + split;
      errEl.textContent = "";
    } catch (e) {
      q.textContent = "";
      if (e.code !== "invalid_amount") errEl.textContent = errorText(e);
    }
  }, 200);
}

// ---- stored value: top-up, PIN, payout, card replacement ----------------------------

async function openTopUp() {
  if (!state.card) return;
  $("#topup-who").textContent = `${state.card.greeting} · ${state.card.member_no} · ${t("card.svParts", { principal: state.card.stored_value.principal, bonus: state.card.stored_value.bonus })}`;
  $("#topup-amount").value = "";
  $("#topup-quote").textContent = "";
  $("#topup-error").textContent = "";
  $("#topup-receipt").value = await invoke("receipt_suggest").catch(() => "");
  const rules = await invoke("sv_rules", { history: false }).catch(() => []);
  $("#topup-rules").textContent = rules.length ? `${t("topup.rules")}${rules.map((r) => r.label).join(" · ")}` : "";
  $("#dlg-topup").showModal();
  $("#topup-amount").focus();
}

let topUpTimer;
/** The rule and bonus a top-up would get, from the backend, before confirming. */
function requestTopUpQuote() {
  clearTimeout(topUpTimer);
  topUpTimer = setTimeout(async () => {
    const q = $("#topup-quote");
    if (!state.card || !$("#topup-amount").value.trim()) {
      q.textContent = "";
      return;
    }
    try {
      const o = await invoke("sv_top_up_quote", { input: topUpInput() });
      q.textContent = topUpText(o);
      $("#topup-error").textContent = "";
    } catch (e) {
      q.textContent = "";
      $("#topup-error").textContent = errorText(e);
    }
  }, 200);
}

function topUpInput() {
  return { member: state.card.member_no, amount: $("#topup-amount").value, receipt: $("#topup-receipt").value };
}

function topUpText(o) {
  const gifts = [];
  if (o.bonus !== "0.00") gifts.push(t("topup.giftMoney", { bonus: o.bonus }));
  if (o.bonus_points) gifts.push(t("topup.giftPoints", { points: o.bonus_points }));
  if (o.bonus_coupon) gifts.push(t("topup.giftCoupon", { code: o.bonus_coupon }));
  const rule = o.rule ? `（${o.rule}）` : "";
  const gift = gifts.length ? `${gifts.join("，")}${rule}` : t("topup.noGift");
  return `${t("topup.quote", { amount: o.amount })} ${gift} · ${t("topup.after", { principal: o.principal, bonus: o.bonus_balance })}`;
}

async function submitTopUp(ev) {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault();
  $("#topup-submit").disabled = true;
  try {
    const o = await invoke("sv_top_up", { input: topUpInput() });
    $("#dlg-topup").close();
    toast(`${o.duplicate ? t("checkout.duplicate") + " " : ""}${topUpText(o)}`, true);
    state.lastSlip = o.receipt;
    await openMember(state.card.member_no);
  } catch (e) {
    $("#topup-error").textContent = errorText(e);
  } finally {
    $("#topup-submit").disabled = false;
  }
}

function openSvPin() {
  if (!state.card) return;
  $("#sv-pin-new").value = "";
  $("#sv-pin-again").value = "";
  $("#sv-pin-error").textContent = "";
  $("#sv-pin-clear").classList.toggle("hidden", !state.card.sv_pin);
  $("#dlg-sv-pin").showModal();
  $("#sv-pin-new").focus();
}

async function submitSvPin(ev) {
  const choice = ev.submitter ? ev.submitter.value : "ok";
  if (choice === "cancel") return;
  ev.preventDefault();
  let pin = null;
  if (choice !== "clear") {
    pin = $("#sv-pin-new").value.trim();
    if (pin !== $("#sv-pin-again").value.trim()) {
      $("#sv-pin-error").textContent = t("svPin.mismatch");
      return;
    }
  }
  try {
    const set = await invoke("member_sv_pin", { member: state.card.member_no, pin });
    $("#dlg-sv-pin").close();
    toast(set ? t("svPin.done") : t("svPin.cleared"), true);
    await openMember(state.card.member_no);
  } catch (e) {
    $("#sv-pin-error").textContent = errorText(e);
  }
}

function openPayout() {
  if (!state.card) return;
  $("#payout-account").textContent = t("card.svParts", { principal: state.card.stored_value.principal, bonus: state.card.stored_value.bonus });
  $("#payout-amount").value = "";
  $("#payout-reason").value = "";
  $("#payout-error").textContent = "";
  $("#dlg-payout").showModal();
}

async function submitPayout(ev) {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault();
  try {
    const o = await invoke("sv_payout", {
      member: state.card.member_no,
      amount: $("#payout-amount").value,
      reason: $("#payout-reason").value,
    });
    $("#dlg-payout").close();
    toast(t("payout.done", { paid: o.principal_paid, bonus: o.bonus_removed, principal: o.principal, left: o.bonus_balance }), true);
    await openMember(state.card.member_no);
  } catch (e) {
    $("#payout-error").textContent = errorText(e);
  }
}

async function replaceCard() {
  $("#dlg-card-replace").close();
  if (!state.card) return;
  try {
    const c = await invoke("member_card_code", { member: state.card.member_no, replace: true });
    toast(t("cardReplace.done", { code: c.card_code }), true);
    await openMember(state.card.member_no);
  } catch (e) {
    toast(errorText(e));
  }
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
    state.lastSlip = o.receipt;
    const back = o.sv_returned && o.sv_returned !== "0.00" ? ` ${t("refund.svBack", { amount: o.sv_returned, other: o.other_payment })}` : "";
    toast(t("refund.done", { points: o.points_clawed_back, balance: o.points_balance }) + back, true);
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
  const kind = $("#interaction-kind").value;
  const scoreText = $("#interaction-score").value.trim();
  // Whether a score may go with this kind is the backend's to say.
  const score = scoreText !== "" ? Number(scoreText) : null;
  if (score !== null && !Number.isInteger(score)) {
    $("#interaction-error").textContent = t("interaction.badScore");
    return;
  }
  try {
    const o = await invoke("interaction_record", {
      member: state.card.member_no,
      kind,
      date: null,
      note: $("#interaction-note").value,
      score,
    });
    $("#interaction-note").value = "";
    $("#interaction-score").value = "";
    toast(t("interaction.done", { points: o.points }), true);
    openMember(state.card.member_no);
  } catch (e) {
    $("#interaction-error").textContent = errorText(e);
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

/** Care notes only (customer service, front desk, manager): what the card's 亲情备注 edits. */
function openNotes() {
  if (!state.card) return;
  $("#notes-text").value = state.card.notes || "";
  $("#notes-error").textContent = "";
  $("#dlg-notes").showModal();
}

async function submitNotes(ev) {
  ev.preventDefault();
  try {
    const card = await invoke("member_notes", { member: state.card.member_no, notes: $("#notes-text").value });
    $("#dlg-notes").close();
    state.card = card;
    renderCard(card);
    toast(t("notes.saved"), true);
  } catch (e) {
    $("#notes-error").textContent = errorText(e);
  }
}

export { openTopUp, requestTopUpQuote, submitTopUp, openSvPin, submitSvPin, openPayout, submitPayout, replaceCard, showPinField, openNotes, submitNotes, scheduleSearch, FIELD_OF_CODE, checkoutInput, openMember, openRedeem, openRefund, openSelected, renderCard, renderResults, requestQuote, resetMemberForm, runSearch, submitAdjust, submitCheckout, submitInteraction, submitMember, submitRedeem, submitRefund };
