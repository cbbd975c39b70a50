// Big customers and a clean member list (manager): the quarter's screening with each
// member's five criteria, approve (VIP) or dismiss with a note; the suggested duplicates,
// a merge previewed before it is done; the erasure of a member's personal data. The rules
// and every number are the backend's.

import { $, errorText, invoke, state, t, toast } from "./core.js";

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** A criterion: its number, ticked when it held. */
function criterion(value, held) {
  const td = cell(held ? `${value} ✓` : String(value), held ? "met" : "unmet");
  return td;
}

async function loadScreening(run) {
  $("#screening-error").textContent = "";
  const quarter = $("#screening-quarter").value.trim() || null;
  try {
    state.screening = run ? await invoke("screening_run", { quarter }) : await invoke("screening_list", { quarter });
    if (!$("#screening-quarter").value) $("#screening-quarter").value = state.screening.quarter;
    renderScreening();
  } catch (e) {
    state.screening = null;
    renderScreening();
    // No screening yet is news, not a mistake: say so plainly; a refused run is an error.
    if (!run && e.code === "invalid_input") $("#screening-info").textContent = e.message;
    else $("#screening-error").textContent = errorText(e);
  }
}

function renderScreening() {
  const s = state.screening;
  const body = $("#screening-table tbody");
  body.innerHTML = "";
  $("#screening-table").classList.toggle("hidden", !s);
  if (!s) {
    $("#screening-info").textContent = "";
    return;
  }
  $("#screening-info").textContent = t("screening.info", {
    quarter: s.quarter, day: s.screening_day, start: s.window_start, end: s.window_end,
    evaluated: s.evaluated, candidates: s.candidate_count, threshold: s.top_spend_threshold ? `¥${s.top_spend_threshold}` : "—",
  });
  if (!s.candidates.length) {
    const tr = document.createElement("tr");
    const td = cell(t("screening.none"), "muted");
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
  }
  for (const c of s.candidates) {
    const tr = document.createElement("tr");
    tr.dataset.member = c.member_no;
    const who = cell(`${c.member_no} ${c.name}`);
    if (c.vip) {
      const badge = document.createElement("span");
      badge.className = "badge vip";
      badge.textContent = t("card.vip");
      who.append(" ", badge);
    }
    tr.append(
      who,
      criterion(c.values.visits, c.criteria.visits),
      criterion(c.values.referrals, c.criteria.referrals),
      criterion(c.values.interactions, c.criteria.interactions),
      criterion(`¥${c.values.top_spend}`, c.criteria.top_spend),
      criterion(t(`tier.${c.values.tier}`), c.criteria.tier),
      cell(`${c.met}/5`, "num"),
    );
    const decide = document.createElement("td");
    if (c.status === "pending") {
      const ok = document.createElement("button");
      ok.className = "primary";
      ok.textContent = t("screening.approve");
      ok.dataset.action = "approve";
      ok.addEventListener("click", () => decideCandidate(c.member_no, true, ""));
      const note = document.createElement("input");
      note.placeholder = t("screening.notePlaceholder");
      note.size = 12;
      const no = document.createElement("button");
      no.textContent = t("screening.dismiss");
      no.dataset.action = "dismiss";
      no.addEventListener("click", () => decideCandidate(c.member_no, false, note.value));
      decide.append(ok, " ", note, " ", no);
    } else {
      decide.textContent = c.status === "approved"
        ? t("screening.approved", { by: c.decided_by || "" })
        : t("screening.dismissed", { note: c.note });
    }
    tr.append(decide);
    body.append(tr);
  }
}

async function decideCandidate(member, approve, note) {
  $("#screening-error").textContent = "";
  try {
    await invoke("screening_decide", { quarter: state.screening ? state.screening.quarter : null, member, approve, note });
    toast(approve ? t("screening.approvedToast") : t("screening.dismissedToast"), true);
    await loadScreening(false);
  } catch (e) {
    $("#screening-error").textContent = errorText(e);
  }
}

// ---- duplicates and merge ------------------------------------------------------------

async function loadDuplicates() {
  const body = $("#dup-table tbody");
  body.innerHTML = "";
  try {
    const pairs = await invoke("member_duplicates");
    if (!pairs.length) {
      const tr = document.createElement("tr");
      tr.append(cell(t("merge.noDuplicates"), "muted"));
      body.append(tr);
    }
    for (const p of pairs) {
      const tr = document.createElement("tr");
      const pick = document.createElement("button");
      pick.textContent = t("merge.pick");
      pick.addEventListener("click", () => {
        // The older record is kept by default; the manager may swap the two boxes.
        $("#merge-keep").value = p.a.member_no;
        $("#merge-merge").value = p.b.member_no;
        previewMerge();
      });
      const td = document.createElement("td");
      td.append(pick);
      tr.append(
        cell(`${p.a.member_no} ${p.a.name} ${p.a.phone || ""}`),
        cell(`${p.b.member_no} ${p.b.name} ${p.b.phone || ""}`),
        cell(t(`dup.${p.reason}`)),
        td,
      );
      body.append(tr);
    }
  } catch (e) {
    $("#merge-error").textContent = errorText(e);
  }
}

async function previewMerge(ev) {
  if (ev) ev.preventDefault();
  $("#merge-error").textContent = "";
  const box = $("#merge-preview");
  try {
    const p = await invoke("member_merge_preview", { keep: $("#merge-keep").value, merge: $("#merge-merge").value });
    state.mergePreview = p;
    renderMerge(p);
    $("#merge-confirm").classList.remove("hidden");
  } catch (e) {
    state.mergePreview = null;
    box.classList.add("hidden");
    $("#merge-confirm").classList.add("hidden");
    $("#merge-error").textContent = errorText(e);
  }
}

function renderMerge(p) {
  const box = $("#merge-preview");
  box.classList.remove("hidden");
  box.innerHTML = "";
  const h = document.createElement("p");
  h.textContent = t(p.done ? "merge.done" : "merge.what", {
    merged: `${p.merged} ${p.merged_member.name}`,
    kept: `${p.kept} ${p.kept_member.name}`,
  });
  const ul = document.createElement("ul");
  const m = p.moved;
  for (const [key, n] of [
    ["lots", m.lots], ["coupons", m.coupons], ["receipts", m.receipts], ["interactions", m.interactions],
    ["contacts", m.contacts], ["referees", m.referees], ["redemptions", m.redemptions],
  ]) {
    const li = document.createElement("li");
    li.dataset.moved = key;
    li.textContent = t(`merge.moved.${key}`, { n });
    ul.append(li);
  }
  if (m.notes) {
    const li = document.createElement("li");
    li.textContent = t("merge.moved.notes");
    ul.append(li);
  }
  const after = document.createElement("p");
  after.className = "merge-after";
  after.textContent = t("merge.after", {
    points: p.points_balance, tier: t(`tier.${p.tier}`), vip: p.vip ? t("card.vip") : "",
  });
  box.append(h, ul, after);
}

async function confirmMerge() {
  if (!state.mergePreview) return;
  const p0 = state.mergePreview;
  try {
    const p = await invoke("member_merge", { keep: p0.kept, merge: p0.merged });
    state.mergePreview = null;
    renderMerge(p);
    $("#merge-confirm").classList.add("hidden");
    toast(t("merge.doneToast", { kept: p.kept }), true);
    loadDuplicates();
  } catch (e) {
    $("#merge-error").textContent = errorText(e);
  }
}

// ---- erasure -------------------------------------------------------------------------

async function eraseMember(ev) {
  ev.preventDefault();
  $("#erase-error").textContent = "";
  try {
    const card = await invoke("member_erase", { member: $("#erase-member").value, confirm: $("#erase-confirm").value });
    $("#erase-member").value = "";
    $("#erase-confirm").value = "";
    toast(t("erase.done", { no: card.member_no }), true);
  } catch (e) {
    $("#erase-error").textContent = errorText(e);
  }
}

function openCustomers() {
  loadScreening(false);
  loadDuplicates();
}

function wireCustomers() {
  $("#screening-show").addEventListener("click", () => loadScreening(false));
  $("#screening-run").addEventListener("click", () => loadScreening(true));
  $("#screening-quarter").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") loadScreening(false);
  });
  $("#merge-form").addEventListener("submit", previewMerge);
  $("#merge-confirm").addEventListener("click", confirmMerge);
  $("#erase-form").addEventListener("submit", eraseMember);
}

export { openCustomers, renderScreening, wireCustomers };
