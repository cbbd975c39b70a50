// The manager's stored value (储值): the top-up rules with their history (an edit retires
// the rule and adds its successor; the backend checks every rule), and the stored-value
// ledger's export. Which rule applies is the backend's, never this screen's.

import { $, errorText, invoke, t, toast } from "./core.js";

let editing = null;

async function loadTopUpRules() {
  try {
    const rules = await invoke("sv_rules", { history: $("#sv-rules-history").checked });
    const body = $("#sv-rules");
    body.innerHTML = "";
    for (const r of rules) {
      const tr = document.createElement("tr");
      const dates = r.from || r.until ? `${r.from || t("svRules.open")} – ${r.until || t("svRules.open")}` : t("svRules.always");
      const made = r.created_by ? `${r.created_at.slice(0, 16)} ${r.created_by}` : t("svRules.default");
      const state = r.active ? t("svRules.active") : t("svRules.retired", { at: (r.retired_at || "").slice(0, 16), by: r.retired_by || "" });
      for (const v of [r.label, dates, made, state]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      const td = document.createElement("td");
      if (r.active) {
        const edit = document.createElement("button");
        edit.type = "button";
        edit.textContent = t("svRules.edit");
        edit.addEventListener("click", () => editRule(r));
        const stop = document.createElement("button");
        stop.type = "button";
        stop.textContent = t("svRules.stop");
        stop.addEventListener("click", () => stopRule(r.id));
        td.append(edit, stop);
      }
      tr.append(td);
      body.append(tr);
    }
  } catch (e) {
    toast(errorText(e));
  }
}

function showBonusField() {
  const kind = $("#sv-rule-kind").value;
  $("#sv-rule-bonus-field").classList.toggle("hidden", kind === "coupon");
  $("#sv-rule-coupon-field").classList.toggle("hidden", kind !== "coupon");
}

function editRule(r) {
  editing = r.id;
  $("#sv-rule-threshold").value = r.threshold;
  $("#sv-rule-kind").value = r.bonus_kind;
  $("#sv-rule-bonus").value = r.bonus_kind === "points" ? String(r.bonus_points) : r.bonus;
  $("#sv-rule-coupon").value = r.bonus_coupon || "";
  $("#sv-rule-from").value = r.from || "";
  $("#sv-rule-until").value = r.until || "";
  $("#sv-rule-title").textContent = t("svRules.editing", { label: r.label });
  showBonusField();
  $("#sv-rule-threshold").focus();
}

function clearRule() {
  editing = null;
  $("#sv-rule-form").reset();
  $("#sv-rule-title").textContent = t("svRules.new");
  $("#sv-rule-error").textContent = "";
  showBonusField();
}

async function saveRule(ev) {
  ev.preventDefault();
  const kind = $("#sv-rule-kind").value;
  const bonus = $("#sv-rule-bonus").value.trim();
  const input = {
    replaces: editing,
    threshold: $("#sv-rule-threshold").value.trim(),
    bonus_kind: kind,
    bonus: kind === "money" ? bonus : null,
    bonus_points: kind === "points" ? Number.parseInt(bonus, 10) || 0 : null,
    bonus_coupon: kind === "coupon" ? $("#sv-rule-coupon").value.trim() : null,
    from: $("#sv-rule-from").value || null,
    until: $("#sv-rule-until").value || null,
  };
  try {
    const saved = await invoke("sv_rule_save", { input });
    toast(t("svRules.saved", { label: saved.label }), true);
    clearRule();
    loadTopUpRules();
  } catch (e) {
    $("#sv-rule-error").textContent = errorText(e);
  }
}

async function stopRule(id) {
  try {
    await invoke("sv_rule_stop", { id });
    toast(t("svRules.stopped"), true);
    if (editing === id) clearRule();
    loadTopUpRules();
  } catch (e) {
    toast(errorText(e));
  }
}

async function exportLedger(format) {
  try {
    const path = await invoke("sv_export", { from: $("#sv-export-from").value, until: $("#sv-export-until").value, format });
    toast(t("review.exported", { path }), true);
  } catch (e) {
    toast(errorText(e));
  }
}

/** Opens the panel: the rules, and the export's days (the store date's month so far). */
function openStoredValue() {
  const today = ($("#store-date").textContent || "").slice(0, 10);
  if (today && !$("#sv-export-until").value) {
    $("#sv-export-until").value = today;
    $("#sv-export-from").value = `${today.slice(0, 8)}01`;
  }
  clearRule();
  loadTopUpRules();
}

function wireStoredValue() {
  $("#sv-rules-history").addEventListener("change", loadTopUpRules);
  $("#sv-rule-kind").addEventListener("change", showBonusField);
  $("#sv-rule-form").addEventListener("submit", saveRule);
  $("#sv-rule-clear").addEventListener("click", clearRule);
  $("#sv-export-csv").addEventListener("click", () => exportLedger("csv"));
  $("#sv-export-xlsx").addEventListener("click", () => exportLedger("xlsx"));
}

export { openStoredValue, wireStoredValue };
