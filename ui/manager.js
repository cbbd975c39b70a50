// The manager's screen: the monthly tier review and tier settings, the redemption
// catalog and coupon templates, the holidays and scripts of the contact list.

import { $, errorText, invoke, listen, state, t, toast } from "./core.js";
import { openSessionManager } from "./session.js";
import { showManagerDatabase } from "./connection.js";
import { openStoredValue } from "./storedvalue.js";
import { loadSupport } from "./about.js";
import { TIER_COLOURS, draw, question } from "./charts.js";

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
  // The tiers of the 12 runs up to this month, as stacked bars (ECharts).
  draw($("#review-chart"), {
    title: question(t("chart.tiers")),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 28, data: TIERS.map((k) => t(`tier.${k}`)) },
    grid: { top: 64, left: 48, right: 16, bottom: 28 },
    xAxis: { type: "category", data: r.distribution.map((d) => d.month.slice(2)) },
    yAxis: { type: "value", minInterval: 1 },
    series: TIERS.map((tier, i) => ({
      name: t(`tier.${tier}`),
      type: "bar",
      stack: "tiers",
      itemStyle: { color: TIER_COLOURS[tier] },
      data: r.distribution.map((d) => (d.counts ? d.counts[i] : null)),
    })),
  });
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
  let unreadable = null;
  document.querySelectorAll("[data-setting]").forEach((el) => {
    const [parent, key] = settingPath(s, el.dataset.setting);
    // Whole-number settings travel as numbers; the backend checks every bound.
    if (typeof parent[key] === "number") {
      const n = Number(el.value.trim());
      if (!Number.isInteger(n)) unreadable = el;
      parent[key] = n;
    } else {
      parent[key] = el.value.trim();
    }
  });
  if (unreadable) {
    $("#settings-error").textContent = `${t("errors.invalid_input")}：${unreadable.closest("label").textContent.trim()}`;
    return;
  }
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
  openStoredValue();
  openSessionManager();
  showManagerDatabase();
  loadSupport();
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

// ---- manager: imports (CSV or Excel) -------------------------------------------------

async function runImport(dryRun) {
  const file = $("#import-file").files[0];
  const result = $("#import-result");
  const table = $("#import-errors");
  const body = table.querySelector("tbody");
  body.innerHTML = "";
  table.classList.add("hidden");
  if (!file) {
    result.textContent = t("import.pick");
    return;
  }
  result.textContent = t("import.reading");
  const bar = $("#import-progress");
  const stop = await listen("import-progress", (p) => showImportProgress(p));
  try {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    const r = await invoke("import_file", { kind: $("#import-kind").value, bytes, dryRun, skipInvalid: false });
    stop();
    bar.classList.add("hidden");
    result.textContent = t(r.errors.length ? "import.refused" : dryRun ? "import.checked" : "import.done", {
      rows: r.rows, written: r.written, duplicates: r.skipped_duplicates, errors: r.errors.length,
    });
    for (const e of r.errors) {
      const tr = document.createElement("tr");
      for (const v of [e.line, e.column, e.message]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    }
    table.classList.toggle("hidden", !r.errors.length);
  } catch (e) {
    stop();
    bar.classList.add("hidden");
    result.textContent = errorText(e);
  }
}

/** The import's progress bar: rows checked, then rows written (the backend's counts). */
function showImportProgress(p) {
  const bar = $("#import-progress");
  bar.classList.remove("hidden");
  bar.max = Math.max(p.total, 1);
  bar.value = p.done;
  $("#import-result").textContent = t(p.stage === "writing" ? "import.writing" : "import.checking", {
    done: p.done, total: p.total,
  });
}

function wireImport() {
  $("#import-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runImport(false);
  });
  $("#import-check").addEventListener("click", () => runImport(true));
}

export { wireImport, TIERS, cellInput, exportReview, loadContactSettings, loadProgram, loadReview, loadSettings, openManager, renderReview, runReview, saveContactSetting, saveProgram, saveSettings, settingPath };
