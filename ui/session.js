// Sign-in, the first start, the idle lock and switching staff (换人), and the manager's
// staff and audit screens. What each role may do comes from the backend (`allowed`, the
// permission table's row); the operations refuse the rest whatever the screen shows.

import { $, errorText, invoke, loadStatus, showScreen, t, toast } from "./core.js";

const S = { roster: [], pick: 0, who: null, idleSeconds: 600, lastActive: Date.now(), waiting: [] };

function show(id, on) {
  $(id).classList.toggle("hidden", !on);
}

function gateError(e) {
  $("#gate-error").textContent = e ? errorText(e) : "";
}

/** Shows the gate until somebody is signed in; resolves then. */
async function gate() {
  const status = await invoke("session_status");
  S.roster = status.roster;
  S.idleSeconds = status.session.idle_lock_seconds;
  const s = status.session;
  if (s.signed_in && !s.locked) {
    signedIn(s.signed_in);
    return s.signed_in;
  }
  S.who = null;
  show("#gate", true);
  show("#gate-setup", s.setup_needed);
  show("#gate-signin", !s.setup_needed);
  gateError(null);
  if (s.setup_needed) {
    $("#setup-pin").focus();
  } else {
    $("#gate-title").textContent = t(s.locked ? "gate.lockedTitle" : "gate.signInTitle");
    const current = s.signed_in ? S.roster.findIndex((r) => r.name === s.signed_in.name) : -1;
    S.pick = Math.max(0, current);
    renderRoster();
    $("#gate-pin").value = "";
    $("#gate-pin").focus();
  }
  return new Promise((resolve) => S.waiting.push(resolve));
}

function renderRoster() {
  const ul = $("#gate-roster");
  ul.innerHTML = "";
  S.roster.forEach((r, i) => {
    const li = document.createElement("li");
    li.className = i === S.pick ? "selected" : "";
    li.dataset.name = r.name;
    const name = document.createElement("strong");
    name.textContent = r.name;
    const role = document.createElement("span");
    role.className = "muted";
    role.textContent = ` ${t("role." + r.role)}`;
    li.append(name, role);
    if (r.locked_until) {
      const lock = document.createElement("span");
      lock.className = "lock-note";
      lock.textContent = ` ${t("gate.locked", { until: r.locked_until.slice(11, 16) })}`;
      li.append(lock);
    }
    li.addEventListener("click", () => {
      S.pick = i;
      renderRoster();
      $("#gate-pin").focus();
    });
    ul.append(li);
  });
}

function signedIn(who) {
  S.who = who;
  S.lastActive = Date.now();
  show("#gate", false);
  $("#who").textContent = `${who.name}（${t("role." + who.role)}）`;
  document.querySelectorAll("[data-op]").forEach((el) => el.classList.toggle("hidden", !who.allowed.includes(el.dataset.op)));
  const active = document.querySelector(".tab.active");
  if (active && active.classList.contains("hidden")) showScreen("desk");
  S.waiting.splice(0).forEach((resolve) => resolve(who));
  loadStatus().then(showBackupState);
  if (document.querySelector("#screen-desk.active")) $("#search").focus();
}

/** A failed daily backup stays on the manager's screen until one succeeds. */
function showBackupState(status) {
  const b = status && status.daily_backup;
  const el = $("#backup-banner");
  if (!el) return;
  const failed = b && !b.ok && S.who && S.who.allowed.includes("backup");
  el.classList.toggle("hidden", !failed);
  if (failed) el.textContent = t("backup.failed", { date: b.date, message: b.message || "" });
}

async function submitPin(ev) {
  ev.preventDefault();
  const r = S.roster[S.pick];
  if (!r) return;
  try {
    const who = await invoke("sign_in", { name: r.name, pin: $("#gate-pin").value });
    signedIn(who);
  } catch (e) {
    gateError(e);
    $("#gate-pin").value = "";
    const status = await invoke("session_status").catch(() => null);
    if (status) {
      S.roster = status.roster;
      renderRoster();
    }
  }
}

async function submitSetup(ev) {
  ev.preventDefault();
  if ($("#setup-pin").value !== $("#setup-pin2").value) {
    $("#gate-error").textContent = t("gate.pinMismatch");
    return;
  }
  try {
    signedIn(await invoke("staff_setup", { name: $("#setup-name").value, pin: $("#setup-pin").value }));
  } catch (e) {
    gateError(e);
  }
}

async function startDemo() {
  $("#setup-demo").disabled = true;
  try {
    const r = await invoke("demo_start", { members: 200, months: 18 });
    const body = $("#demo-pins");
    body.innerHTML = "";
    for (const a of r.accounts) {
      const tr = document.createElement("tr");
      for (const text of [a.name, t("role." + a.role), a.pin]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    $("#dlg-demo-pins").showModal();
  } catch (e) {
    gateError(e);
  } finally {
    $("#setup-demo").disabled = false;
  }
}

async function lockNow(event) {
  try {
    await invoke(event === "sign_out" ? "sign_out" : "session_lock");
  } catch (e) {
    toast(errorText(e));
  }
  gate();
}

function watchIdle() {
  const touch = () => (S.lastActive = Date.now());
  ["keydown", "mousedown", "mousemove", "wheel"].forEach((ev) => document.addEventListener(ev, touch, true));
  setInterval(() => {
    if (S.who && Date.now() - S.lastActive > S.idleSeconds * 1000) lockNow("lock");
  }, 1000);
}

// ---- the manager's staff screen ---------------------------------------------------------

async function loadStaff() {
  if (!S.who || !S.who.allowed.includes("manage_staff")) return;
  try {
    const list = await invoke("staff_list");
    const body = $("#staff-list tbody");
    body.innerHTML = "";
    for (const s of list) {
      const tr = document.createElement("tr");
      tr.dataset.name = s.name;
      const name = document.createElement("td");
      name.textContent = s.name;
      const role = document.createElement("td");
      const pick = document.createElement("select");
      for (const r of ["front_desk", "customer_service", "manager"]) {
        const o = new Option(t("role." + r), r, false, r === s.role);
        pick.append(o);
      }
      pick.addEventListener("change", () => changeStaff(s.name, { role: pick.value }));
      role.append(pick);
      const st = document.createElement("td");
      st.textContent = s.active ? t("staff.active") : t("staff.inactive");
      if (s.locked_until) st.textContent += ` · ${t("gate.locked", { until: s.locked_until.slice(11, 16) })}`;
      const actions = document.createElement("td");
      const toggle = document.createElement("button");
      toggle.className = "staff-toggle";
      toggle.textContent = s.active ? t("staff.deactivate") : t("staff.activate");
      toggle.addEventListener("click", () => changeStaff(s.name, { active: !s.active }));
      // A new PIN and a new name: an input and its button each.
      const field = (kind, placeholder, label, change) => {
        const input = document.createElement("input");
        input.className = `staff-${kind}`;
        input.placeholder = t(placeholder);
        if (kind === "pin") Object.assign(input, { type: "password", inputMode: "numeric", maxLength: 8 });
        const button = document.createElement("button");
        button.className = kind === "pin" ? "staff-reset" : "staff-rename";
        button.textContent = t(label);
        button.addEventListener("click", () => changeStaff(s.name, change(input.value)));
        return [input, button];
      };
      actions.append(
        toggle,
        ...field("pin", "staff.newPin", "staff.resetPin", (pin) => ({ pin })),
        ...field("name", "staff.newName", "staff.rename", (name) => ({ name })),
      );
      tr.append(name, role, st, actions);
      body.append(tr);
    }
  } catch (e) {
    $("#staff-error").textContent = errorText(e);
  }
}

async function changeStaff(name, change) {
  $("#staff-error").textContent = "";
  $("#staff-panel").scrollIntoView({ block: "start" });
  try {
    await invoke("staff_set", { name, change });
    toast(t("staff.saved"), true);
  } catch (e) {
    $("#staff-error").textContent = errorText(e);
  }
  loadStaff();
}

async function addStaff(ev) {
  ev.preventDefault();
  $("#staff-error").textContent = "";
  try {
    await invoke("staff_add", { name: $("#staff-new-name").value, role: $("#staff-new-role").value, pin: $("#staff-new-pin").value });
    $("#staff-new-name").value = "";
    $("#staff-new-pin").value = "";
    toast(t("staff.saved"), true);
    loadStaff();
  } catch (e) {
    $("#staff-error").textContent = errorText(e);
  }
}

// ---- the manager's audit screen ---------------------------------------------------------

function auditQuery() {
  const v = (id) => $(id).value.trim() || null;
  return { from: v("#audit-from"), to: v("#audit-to"), staff: v("#audit-staff"), action: v("#audit-action"), member: v("#audit-member") };
}

async function loadAudit(ev) {
  if (ev) {
    ev.preventDefault();
    $("#audit-panel").scrollIntoView({ block: "start" });
  }
  if (!S.who || !S.who.allowed.includes("view_audit")) return;
  $("#audit-error").textContent = "";
  try {
    const rows = await invoke("audit_query", { query: auditQuery() });
    const body = $("#audit-list tbody");
    body.innerHTML = "";
    for (const r of rows.slice(0, 500)) {
      const tr = document.createElement("tr");
      const key = `action.${r.action}`;
      const action = t(key) === key ? r.action : `${t(key)}（${r.action}）`;
      for (const text of [r.at, r.staff || "", action, `${r.entity} ${r.entity_id || ""}`, r.before || "", r.after || ""]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
  } catch (e) {
    $("#audit-error").textContent = errorText(e);
  }
}

async function exportAudit(format) {
  try {
    const path = await invoke("audit_export", { query: auditQuery(), format });
    toast(t("audit.exported", { path }), true);
  } catch (e) {
    $("#audit-error").textContent = errorText(e);
  }
}

function wireSession() {
  $("#gate-signin").addEventListener("submit", submitPin);
  $("#gate-setup").addEventListener("submit", submitSetup);
  $("#setup-demo").addEventListener("click", startDemo);
  $("#demo-pins-ok").addEventListener("click", () => {
    $("#dlg-demo-pins").close();
    gate();
  });
  $("#gate-pin").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = S.roster.length;
      if (n) S.pick = (S.pick + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      renderRoster();
    }
  });
  $("#btn-switch").addEventListener("click", () => lockNow("sign_out"));
  $("#btn-lock").addEventListener("click", () => lockNow("lock"));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F9" && S.who) {
      ev.preventDefault();
      lockNow("sign_out");
    }
  });
  $("#staff-add").addEventListener("submit", addStaff);
  $("#audit-filter").addEventListener("submit", loadAudit);
  $("#audit-csv").addEventListener("click", () => exportAudit("csv"));
  $("#audit-xlsx").addEventListener("click", () => exportAudit("xlsx"));
  watchIdle();
}

/** The manager's staff and audit panels, refreshed when the manager screen opens. */
function openSessionManager() {
  loadStaff();
  loadAudit();
}

/** Who is signed in (null at the gate). */
function signedInStaff() {
  return S.who;
}

export { gate, openSessionManager, signedInStaff, wireSession };
