// Shared by every screen: the UI state, texts (zh/en) and error headlines by code, the
// one IPC call to the Rust commands, toasts, switching screens and the store's status.
// Holds no business rules: every figure shown comes from the backend.

import { renderCard, renderResults } from "./desk.js";
import { openManager, renderReview } from "./manager.js";
import { openFigures, renderFigures } from "./figures.js";
import { openCustomers, renderScreening } from "./customers.js";
import { loadQueue, renderQueue } from "./service.js";
import { I18N } from "./i18n.js";
import { gate } from "./session.js";

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
  if (!detail || detail === head) return head;
  return detail.includes(head) ? detail : `${head}：${detail}`;
}

async function invoke(cmd, args) {
  try {
    return await window.__TAURI__.core.invoke(cmd, args || {});
  } catch (e) {
    const err = typeof e === "object" && e !== null ? e : { code: "internal", message: String(e) };
    // The backend locked the screen (idle) or nobody is signed in: back to the PIN.
    if (err.code === "session_locked" || err.code === "sign_in_required") {
      gate();
    }
    throw err;
  }
}

/** Listens to the backend's `event` (progress of a long operation); gives the function
 * that stops listening. */
async function listen(event, handler) {
  return await window.__TAURI__.event.listen(event, (e) => handler(e.payload));
}

function applyI18n() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => (el.textContent = t(el.dataset.i18n)));
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => (el.placeholder = t(el.dataset.i18nPlaceholder)));
  for (const el of [$("#lang-toggle"), $("#gate-lang")]) el.textContent = state.lang === "zh" ? "EN" : "中文";
  if (state.card) renderCard(state.card);
  renderResults();
  renderReview();
  renderFigures();
  renderScreening();
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
  // A screen the signed-in role may not use stays closed (its tab is hidden).
  const tab = document.querySelector(`.tab[data-screen="${name}"]`);
  if (tab && tab.classList.contains("hidden")) return;
  document.querySelectorAll(".screen").forEach((s) => s.classList.toggle("active", s.id === `screen-${name}`));
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.screen === name));
  if (name === "desk") $("#search").focus();
  if (name === "enrol") $("#f-name").focus();
  if (name === "manager") openManager();
  if (name === "service") loadQueue();
  if (name === "figures") openFigures();
  if (name === "customers") openCustomers();
}

// ---- store status -------------------------------------------------------------------

async function loadStatus(confirm) {
  try {
    const s = await invoke("app_status", { confirm: !!confirm });
    $("#store-date").textContent = s.store_date_now;
    $("#store-counts").textContent = t("counts", { members: s.members, receipts: s.receipts });
    // On a shared database, where this door works: the branch and the counter.
    const station = $("#store-station");
    station.classList.toggle("hidden", s.engine !== "postgres" && !s.counter);
    station.textContent = t("station", { branch: s.branch_name, counter: s.counter || t("station.none") });
    // The full check of the data file runs in the background after start.
    if (s.integrity.state === "checking") setTimeout(loadStatus, 2000);
    const banner = $("#banner");
    banner.classList.toggle("hidden", s.integrity.state !== "damaged");
    if (s.integrity.state === "damaged") banner.textContent = t("integrity.damaged", { message: s.integrity.message });
    if ($("#dlg-date").open) $("#dlg-date").close();
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

export { $, applyI18n, errorText, invoke, listen, loadStatus, showScreen, state, t, toast };
