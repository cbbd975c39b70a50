// The About screen (version, data file or database, schema, branch and counter, the last
// backup and where the logs are) and the manager's support panel, which copies the log's
// last 200 lines for support.

import { $, errorText, invoke, t, toast } from "./core.js";

function row(list, label, value, bad) {
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = value;
  if (bad) dd.classList.add("bad");
  list.append(dt, dd);
}

async function openAbout() {
  let a;
  try {
    a = await invoke("app_about");
  } catch (e) {
    toast(errorText(e));
    return;
  }
  const list = $("#about-list");
  list.innerHTML = "";
  row(list, t("about.version"), a.version);
  row(list, t(a.engine === "postgres" ? "about.database" : "about.dataFile"), a.database);
  row(list, t("about.schema"), String(a.schema_version));
  row(list, t("about.station"), t("station", { branch: a.branch_name, counter: a.counter || t("station.none") }));
  const b = a.daily_backup;
  if (!b) row(list, t("about.backup"), t("about.backupNone"));
  else if (b.ok) row(list, t("about.backup"), t("about.backupOk", { date: b.date }));
  else row(list, t("about.backup"), t("about.backupFailed", { date: b.date, message: b.message || "" }), true);
  row(list, t("about.logs"), a.log_folder || "—");
  const dlg = $("#dlg-about");
  if (!dlg.open) dlg.showModal();
}

/** The manager's support panel: where the logs are. */
async function loadSupport() {
  try {
    const a = await invoke("app_about");
    $("#support-log-folder").textContent = a.log_folder || "—";
  } catch (e) {
    $("#support-info").textContent = errorText(e);
  }
}

async function copyLog() {
  const info = $("#support-info");
  let tail;
  try {
    tail = await invoke("log_tail");
  } catch (e) {
    info.textContent = errorText(e);
    return;
  }
  const area = $("#support-text");
  area.value = tail.text;
  let copied = false;
  try {
    await navigator.clipboard.writeText(tail.text);
    copied = true;
  } catch (_) {
    copied = false;
  }
  // Where the clipboard is refused, the lines are shown selected for Ctrl+C.
  area.classList.toggle("hidden", copied);
  if (!copied) {
    area.focus();
    area.select();
  }
  info.textContent = t(copied ? "support.copied" : "support.select", { lines: tail.lines });
  if (copied) toast(t("support.copied", { lines: tail.lines }), true);
}

function wireAbout() {
  $("#btn-about").addEventListener("click", openAbout);
  $("#support-about").addEventListener("click", openAbout);
  $("#about-close").addEventListener("click", () => $("#dlg-about").close());
  $("#support-copy").addEventListener("click", copyLog);
}

export { loadSupport, openAbout, wireAbout };
