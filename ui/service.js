// Customer service: the day's contact list, working an entry, the SMS batches and the
// SMS / call list exports.

import { $, errorText, invoke, state, t, toast } from "./core.js";

// ---- customer service: the contact list ---------------------------------------------

/** A kind of reason with how many of it the card has: 消费回访 ×3. */
function groupLabel(g) {
  return g.count > 1 ? `${t(`reason.${g.kind}`)} ×${g.count}` : t(`reason.${g.kind}`);
}

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
    meta.textContent = e.reason_groups.map(groupLabel).join("、");
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
  // The list masks phones for non-managers; the entry being worked shows the number to dial.
  if (e.id) {
    const id = e.id;
    invoke("contact_entry", { entry: id })
      .then((full) => {
        if (state.entry && state.entry.id === id) $("#se-phone").textContent = full.phone || "";
      })
      .catch(() => {});
  }
  const tier = $("#se-tier");
  tier.className = `tier ${e.tier}`;
  tier.textContent = t(`tier.${e.tier}`) + (e.vip ? ` · ${t("card.vip")}` : "");
  const reasons = $("#se-reasons");
  reasons.innerHTML = "";
  for (const g of e.reason_groups) {
    const li = document.createElement("li");
    li.textContent = `${groupLabel(g)}：${g.details.join("；")}`;
    reasons.append(li);
  }
  // "Call again later" goes to tomorrow unless another day is picked.
  $("#se-date").value = e.reschedule_default;
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

export { exportContacts, loadQueue, recordContact, renderEntry, renderQueue, renderSmsBatches };
