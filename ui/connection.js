// The store this window works on: this PC's data file, or a shared PostgreSQL server that
// several tills and branches use (rules §15). The password is never kept: it is asked at
// start when the saved server needs one. The backend tests, connects and remembers.

import { $, errorText, invoke, t, toast } from "./core.js";

function form() {
  return {
    url: $("#conn-url").value.trim(),
    password: $("#conn-password").value,
    branch: $("#conn-branch").value.trim() || null,
    counter: $("#conn-counter").value.trim() || null,
  };
}

function message(text, ok) {
  const m = $("#conn-message");
  m.textContent = text || "";
  m.classList.toggle("ok", !!ok);
}

function describe(view) {
  const kind = view.engine === "postgres" ? t("conn.server") : t("conn.local_file");
  return `${kind} ${view.database}${view.branch ? ` · ${view.branch}` : ""}${view.counter ? ` · ${view.counter}` : ""}`;
}

/** Opens the connection dialog; resolves when it closes (true when the store changed). */
async function openConnect() {
  const view = await invoke("store_connection");
  $("#conn-current").textContent = describe(view);
  if (view.engine === "postgres") {
    $("#conn-url").value = view.database.replace(/:\*\*\*@/, "@");
    $("#conn-branch").value = view.branch || "";
    $("#conn-counter").value = view.counter || "";
  }
  $("#conn-password").value = "";
  message(view.error ? errorText(view.error) : view.needs_password ? t("conn.needPassword") : "");
  const dlg = $("#dlg-connect");
  dlg.returnValue = "";
  dlg.showModal();
  (view.needs_password ? $("#conn-password") : $("#conn-url")).focus();
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue === "changed"), { once: true });
  });
}

async function testConnection() {
  message("");
  try {
    message(await invoke("store_connection_test", { form: form() }), true);
  } catch (e) {
    message(errorText(e));
  }
}

async function connect(ev) {
  ev.preventDefault();
  message("");
  try {
    const view = await invoke("store_connect", { form: form() });
    toast(t("conn.connected", { db: describe(view) }), true);
    $("#dlg-connect").close("changed");
  } catch (e) {
    message(errorText(e));
  }
}

async function useLocalFile() {
  try {
    await invoke("store_disconnect");
    $("#dlg-connect").close("changed");
  } catch (e) {
    message(errorText(e));
  }
}

/** What the manager's screen shows of the store. */
async function showManagerDatabase() {
  try {
    $("#manager-db").textContent = describe(await invoke("store_connection"));
  } catch (e) {
    $("#manager-db").textContent = errorText(e);
  }
}

function wireConnection(onChanged) {
  $("#conn-form").addEventListener("submit", connect);
  $("#conn-test").addEventListener("click", testConnection);
  $("#conn-local").addEventListener("click", useLocalFile);
  $("#conn-close").addEventListener("click", () => $("#dlg-connect").close());
  const open = async () => {
    if (await openConnect()) onChanged();
  };
  $("#setup-connect").addEventListener("click", open);
  $("#manager-connect").addEventListener("click", open);
}

export { openConnect, showManagerDatabase, wireConnection };
