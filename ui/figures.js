// The manager's figures screen (rules §13): the key numbers of a month or range, six charts
// that each answer one question, and every figure with the 12 months before it. Every number
// comes from the backend (`figures`); nothing is computed here but the chart layout.

import { $, errorText, invoke, state, t, toast } from "./core.js";
import { TIER_COLOURS, draw, question, resizeWithin } from "./charts.js";

const TIERS = ["regular", "active", "core", "loyal"];

/** A figure as shown: a rate or share with "%", an empty base as "—". */
function shown(v, suffix) {
  if (v === null || v === undefined) return "—";
  return suffix ? `${v}${suffix}` : String(v);
}

const num = (v) => (v === null || v === undefined ? null : Number(v));

function label(f) {
  return f.from === f.to ? f.from : `${f.from}~${f.to}`;
}

async function loadBranches() {
  try {
    const branches = await invoke("branch_list");
    const sel = $("#figures-branch");
    sel.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
    for (const b of branches) {
      const o = document.createElement("option");
      o.value = b.code;
      o.textContent = `${b.name}（${b.code}）`;
      sel.append(o);
    }
    $("#figures-branch-field").classList.toggle("hidden", branches.length < 2);
  } catch {
    $("#figures-branch-field").classList.add("hidden");
  }
}

function query() {
  return {
    from: $("#figures-from").value || null,
    to: $("#figures-to").value || null,
    branch: $("#figures-branch").value || null,
  };
}

async function loadFigures(ev) {
  if (ev) ev.preventDefault();
  try {
    const q = query();
    const report = await invoke("figures", q);
    // The tier mix of the 12 monthly runs up to the store's month (the latest runs, even
    // when the period is an earlier one).
    const month = ($("#store-date").textContent || "").slice(0, 7) || report.to;
    const review = await invoke("tier_review", { month }).catch(() => null);
    state.figures = { report, review };
    if (!$("#figures-from").value) $("#figures-from").value = report.from;
    if (!$("#figures-to").value) $("#figures-to").value = report.to;
    renderFigures();
  } catch (e) {
    toast(errorText(e));
  }
}

function kpi(key, value, before, hint) {
  const div = document.createElement("div");
  div.className = "kpi";
  div.dataset.kpi = key;
  const v = document.createElement("strong");
  v.textContent = value;
  const l = document.createElement("span");
  l.textContent = t(`kpi.${key}`);
  div.append(v, l);
  if (before !== undefined) {
    const b = document.createElement("small");
    b.className = "muted";
    b.textContent = t("kpi.before", { value: before });
    div.append(b);
  }
  if (hint) div.title = hint;
  return div;
}

function renderFigures() {
  const f = state.figures && state.figures.report;
  if (!f) return;
  const prev = f.months_before[f.months_before.length - 1];
  $("#figures-info").textContent = t("figures.info", {
    period: label(f),
    branch: f.branch || t("figures.chain"),
  });
  const k = $("#figures-kpis");
  k.innerHTML = "";
  k.append(
    kpi("members", shown(f.members.total), shown(prev.members.total)),
    kpi("active", shown(f.members.active), shown(prev.members.active)),
    kpi("net_spend", `¥${f.sales.net_spend}`, `¥${prev.sales.net_spend}`),
    kpi("repurchase", shown(f.repurchase_rate, "%"), shown(prev.repurchase_rate, "%")),
    kpi("retention", shown(f.retention_rate, "%"), shown(prev.retention_rate, "%")),
    kpi("top20", shown(f.top20_share, "%")),
    kpi("liability", `¥${f.points.liability}`, undefined, t("kpi.liabilityHint", { points: f.points.outstanding })),
    kpi("stored_value", `¥${f.stored_value.principal}`),
    kpi("nps", shown(f.nps.score), undefined, t("kpi.npsHint", { n: f.nps.n })),
    kpi("vip", `${f.vip.members} · ${shown(f.vip.spend_share, "%")}`),
  );
  const months = [...f.months_before, f];
  const x = months.map(label);
  draw($("#chart-members"), {
    title: question(t("chart.members")),
    tooltip: { trigger: "axis" },
    legend: { top: 28, data: [t("kpi.members"), t("kpi.active"), t("chart.new")] },
    grid: { top: 64, left: 48, right: 16, bottom: 28 },
    xAxis: { type: "category", data: x },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t("kpi.members"), type: "line", data: months.map((m) => m.members.total) },
      { name: t("kpi.active"), type: "line", data: months.map((m) => m.members.active) },
      { name: t("chart.new"), type: "line", data: months.map((m) => m.members.new) },
    ],
  });
  draw($("#chart-return"), {
    title: question(t("chart.return")),
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
    legend: { top: 28, data: [t("kpi.repurchase"), t("kpi.retention")] },
    grid: { top: 64, left: 48, right: 16, bottom: 28 },
    xAxis: { type: "category", data: x },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: t("kpi.repurchase"), type: "line", connectNulls: false, data: months.map((m) => num(m.repurchase_rate)) },
      { name: t("kpi.retention"), type: "line", connectNulls: false, data: months.map((m) => num(m.retention_rate)) },
    ],
  });
  const review = state.figures.review;
  const dist = review ? review.distribution : [];
  draw($("#chart-tiers"), {
    title: question(t("chart.tiers")),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 28, data: TIERS.map((k2) => t(`tier.${k2}`)) },
    grid: { top: 64, left: 48, right: 16, bottom: 28 },
    xAxis: { type: "category", data: dist.map((d) => d.month) },
    yAxis: { type: "value", minInterval: 1 },
    series: TIERS.map((tier, i) => ({
      name: t(`tier.${tier}`),
      type: "bar",
      stack: "tiers",
      itemStyle: { color: TIER_COLOURS[tier] },
      data: dist.map((d) => (d.counts ? d.counts[i] : null)),
    })),
  }, dist.some((d) => d.counts) ? null : t("chart.noTierRuns"));
  const coupons = f.coupons;
  draw($("#chart-coupons"), {
    title: question(t("chart.coupons")),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 28, data: [t("chart.issued"), t("chart.used"), t("chart.useRate")] },
    grid: { top: 64, left: 48, right: 48, bottom: 28 },
    xAxis: { type: "category", data: coupons.map((c) => c.template), axisLabel: { interval: 0, overflow: "truncate", width: 80 } },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: t("chart.issued"), type: "bar", data: coupons.map((c) => c.issued) },
      { name: t("chart.used"), type: "bar", data: coupons.map((c) => c.used) },
      { name: t("chart.useRate"), type: "line", yAxisIndex: 1, data: coupons.map((c) => num(c.use_rate)) },
    ],
  }, coupons.length ? null : t("chart.noCoupons"));
  draw($("#chart-referrals"), {
    title: question(t("chart.referrals")),
    tooltip: { trigger: "item" },
    series: [
      {
        type: "funnel",
        top: 40,
        bottom: 10,
        left: "10%",
        width: "80%",
        minSize: "20%",
        label: { formatter: "{b}：{c}" },
        data: [
          { name: t("chart.referred"), value: f.referrals.enrolled },
          { name: t("chart.referralOk"), value: f.referrals.successful },
        ],
      },
    ],
  });
  const c = f.contacts;
  draw($("#chart-contacts"), {
    title: question(t("chart.contacts", { completion: shown(c.completion, "%") })),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { top: 48, left: 80, right: 24, bottom: 28 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      data: [t("chart.due"), t("chart.done"), t("chart.noAnswer"), t("chart.givenUp"), t("chart.doNotCall")],
      inverse: true,
    },
    series: [{ type: "bar", data: [c.due, c.done, c.no_answer, c.given_up, c.do_not_call], label: { show: true, position: "right" } }],
  }, c.due ? null : t("chart.noContacts"));
  renderTable(f);
}

const LINES = [
  ["members.total", "kpi.members"], ["members.new", "chart.new"], ["members.active", "kpi.active"],
  ["members.lapsed", "line.lapsed"], ["sales.net_spend", "kpi.net_spend"], ["sales.visits", "line.visits"],
  ["sales.spend_per_visit", "line.perVisit"], ["repurchase_rate", "kpi.repurchase"], ["retention_rate", "kpi.retention"],
  ["top20_share", "kpi.top20"], ["vip.members", "line.vips"], ["vip.spend_share", "line.vipShare"],
  ["points.issued", "line.issued"], ["points.redeemed", "line.redeemed"], ["points.expired", "line.expired"],
  ["points.outstanding", "line.outstanding"], ["points.liability", "kpi.liability"],
  ["referrals.enrolled", "chart.referred"], ["referrals.successful", "chart.referralOk"],
  ["contacts.due", "chart.due"], ["contacts.done", "chart.done"], ["contacts.completion", "line.completion"],
  ["nps.score", "kpi.nps"], ["nps.n", "line.npsN"], ["stored_value.topped_up", "line.svTopUp"],
  ["stored_value.bonus", "line.svBonus"], ["stored_value.spent", "line.svSpent"],
  ["stored_value.refunded", "line.svRefunded"], ["stored_value.paid_out", "line.svPaidOut"], ["stored_value.brought_in", "line.svBroughtIn"],
  ["stored_value.principal", "kpi.stored_value"], ["stored_value.bonus_outstanding", "line.svBonusOwed"],
];

function at(obj, path) {
  return path.split(".").reduce((o, k) => (o === null || o === undefined ? o : o[k]), obj);
}

function renderTable(f) {
  const head = $("#figures-table thead");
  const body = $("#figures-table tbody");
  head.innerHTML = "";
  body.innerHTML = "";
  const tr = document.createElement("tr");
  const cols = [f, ...[...f.months_before].reverse()];
  for (const text of [t("figures.line"), ...cols.map(label)]) {
    const th = document.createElement("th");
    th.textContent = text;
    tr.append(th);
  }
  head.append(tr);
  for (const [path, key] of LINES) {
    const row = document.createElement("tr");
    row.dataset.line = path;
    const name = document.createElement("th");
    name.textContent = t(key);
    row.append(name);
    for (const m of cols) {
      const td = document.createElement("td");
      td.className = "num";
      td.textContent = shown(at(m, path));
      row.append(td);
    }
    body.append(row);
  }
}

async function exportFigures(format) {
  try {
    const path = await invoke("figures_export", { ...query(), format });
    toast(t("review.exported", { path }), true);
  } catch (e) {
    toast(errorText(e));
  }
}

function openFigures() {
  loadBranches();
  if (state.figures) {
    renderFigures();
    resizeWithin($("#screen-figures"));
  }
  loadFigures();
}

function wireFigures() {
  $("#figures-form").addEventListener("submit", loadFigures);
  $("#figures-csv").addEventListener("click", () => exportFigures("csv"));
  $("#figures-xlsx").addEventListener("click", () => exportFigures("xlsx"));
}

export { openFigures, renderFigures, wireFigures };
