// Printing: the member card (85.6 × 54 mm) and the till slip (58 or 80 mm roll). The
// paper and margins are the counter's own settings, kept in the store per counter. The backend gathers what each shows (the barcode and QR code
// come from Rust crates as SVG); this lays it out once for the preview and once for the
// page, and asks the backend to print the page through the system's dialog or to a PDF.

import { $, errorText, invoke, state, t, toast } from "./core.js";

const PX_PER_MM = 96 / 25.4;

/** This counter's printer settings (the slip's roll and margins), from the store. */
async function printSettings() {
  state.printSettings = await invoke("print_settings");
  return state.printSettings;
}

/** The layout with the counter's margin for its kind of paper. */
function withMargin(layout, kind) {
  const p = state.printSettings;
  if (p) layout.style.setProperty("--margin", `${kind === "slip" ? p.slip_margin_mm : p.card_margin_mm}mm`);
  return layout;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** An SVG string from the backend as an image (never as markup of the page). */
function svgImage(svg, cls) {
  const img = el("img", cls);
  img.alt = "";
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  return img;
}

function cardLayout(c) {
  const card = el("div", `print-card tier-${c.tier}`);
  const head = el("div", "pc-head");
  head.append(el("span", "pc-store", c.store_name), el("span", "pc-tier", t(`tier.${c.tier}`)));
  const who = el("div", "pc-who");
  who.append(el("div", "pc-name", c.name), el("div", "pc-no", `${t("print.memberNo")} ${c.member_no}`));
  const codes = el("div", "pc-codes");
  const bar = el("div", "pc-bar");
  bar.append(svgImage(c.barcode_svg, "pc-barcode"), el("div", "pc-digits", c.card_code.replace(/(\d{4})(?=\d)/g, "$1 ")));
  codes.append(bar, svgImage(c.qr_svg, "pc-qr"));
  card.append(head, who, codes);
  return card;
}

function slipLayout(s) {
  const slip = el("div", `slip w${s.width}`);
  const line = (label, value, cls) => {
    const row = el("div", `sl-row ${cls || ""}`);
    row.append(el("span", "", label), el("span", "sl-v", value));
    slip.append(row);
  };
  const rule = () => slip.append(el("div", "sl-rule"));
  slip.append(el("div", "sl-store", s.store_name));
  if (s.branch && s.branch !== s.store_name) slip.append(el("div", "sl-branch", s.branch));
  slip.append(el("div", "sl-title", t(`print.slip.${s.kind}`)));
  line(t("print.receipt"), s.receipt);
  line(t("print.time"), s.at.replace("T", " ").slice(0, 16));
  line(t("print.staff"), s.staff);
  line(t("print.member"), `${s.member_no} ${s.greeting}`);
  rule();
  if (s.kind === "top_up") {
    line(t("print.topUp"), `¥${s.top_up}`, "big");
    if (s.top_up_bonus) line(t("print.topUpBonus"), `¥${s.top_up_bonus}`);
    if (s.top_up_points) line(t("print.topUpPoints"), `${s.top_up_points}`);
    if (s.top_up_coupon) line(t("print.topUpCoupon"), s.top_up_coupon);
  } else {
    const refund = s.kind === "refund";
    line(t(refund ? "print.refunded" : "print.gross"), `¥${s.gross}`);
    if (!refund && s.discount !== "0.00") line(t("print.discount"), `−¥${s.discount}`);
    if (s.coupon) line(t("print.coupon"), s.coupon);
    if (!refund) line(t("print.paid"), `¥${s.paid}`, "big");
    if (s.sv_taken) {
      line(t(refund ? "print.svBack" : "print.svPaid"), `¥${s.sv_taken}`);
      line(t("print.svParts"), t("print.svPartsValue", { principal: s.sv_principal, bonus: s.sv_bonus }), "small");
    }
    line(t(refund ? "print.otherBack" : "print.other"), `¥${s.other_payment}`);
    rule();
    line(t(refund ? "print.pointsBack" : "print.points"), `${s.points >= 0 ? "+" : ""}${s.points}`, "big");
  }
  line(t("print.balance"), `${s.points_balance}`);
  if (s.expiring_within_30_days) {
    const e = s.expiring_within_30_days;
    line(t("print.expiring"), t("print.expiringValue", { points: e.points, date: e.first_date }));
  }
  line(t("print.sv"), t("print.svPartsValue", { principal: s.stored_value.principal, bonus: s.stored_value.bonus }));
  if (s.gift) {
    rule();
    slip.append(el("div", "sl-gift", t("print.gift", { gift: s.gift })));
  }
  rule();
  slip.append(el("div", "sl-thanks", t("print.thanks")));
  return slip;
}

/** Shows the layout in the preview and puts the same into the page that prints. */
function show(layout, job) {
  const preview = $("#print-preview");
  preview.innerHTML = "";
  preview.append(layout);
  const page = $("#print-area");
  page.innerHTML = "";
  page.append(layout.cloneNode(true));
  document.body.dataset.printing = job.kind;
  state.printJob = job;
  $("#print-error").textContent = "";
  $("#print-width-field").classList.toggle("hidden", job.kind !== "slip");
  const p = state.printSettings;
  if (p) $("#print-margin").value = job.kind === "slip" ? p.slip_margin_mm : p.card_margin_mm;
  const dlg = $("#dlg-print");
  if (!dlg.open) dlg.showModal();
}

async function openCardPrint() {
  if (!state.card) return;
  try {
    const c = await invoke("print_card", { member: state.card.member_no });
    await printSettings();
    show(withMargin(cardLayout(c), "card"), { kind: "card", widthMm: 85.6, heightMm: 54, file: `会员卡-${c.member_no}.pdf` });
  } catch (e) {
    toast(errorText(e));
  }
}

/** The slip of a receipt (a sale, refund or top-up), on this counter's roll. */
async function openSlipPrint(receipt) {
  if (!receipt) {
    toast(t("print.noSlip"));
    return;
  }
  try {
    const width = (await printSettings()).slip_width;
    const s = await invoke("print_slip", { receipt, width });
    $("#print-width").value = width;
    show(withMargin(slipLayout(s), "slip"), { kind: "slip", widthMm: Number(width), heightMm: 0, file: `小票-${s.receipt}.pdf`, receipt });
  } catch (e) {
    toast(errorText(e));
  }
}

/** Prints the page: `toPdf` writes the PDF to the Downloads folder without a dialog. */
async function printNow(toPdf) {
  const job = state.printJob;
  if (!job) return;
  let heightMm = job.heightMm;
  if (job.kind === "slip") {
    // The slip is as long as what it shows: measured in the preview, which has its width.
    heightMm = Math.ceil($("#print-preview .slip").offsetHeight / PX_PER_MM) + 4;
  }
  try {
    const path = await invoke("print_page", { widthMm: job.widthMm, heightMm, pdf: toPdf ? job.file : null });
    if (path) toast(t("print.saved", { path }), true);
  } catch (e) {
    $("#print-error").textContent = errorText(e);
  }
}

function wirePrint() {
  $("#btn-print-card").addEventListener("click", openCardPrint);
  $("#btn-print-slip").addEventListener("click", () => openSlipPrint(state.lastSlip));
  $("#print-dialog").addEventListener("click", () => printNow(false));
  $("#print-pdf").addEventListener("click", () => printNow(true));
  $("#print-close").addEventListener("click", () => $("#dlg-print").close());
  // A change of paper or margin is this counter's from now on (saved in the store).
  const save = async (input) => {
    $("#print-error").textContent = "";
    try {
      state.printSettings = await invoke("print_settings_save", { input });
    } catch (e) {
      $("#print-error").textContent = errorText(e);
      return;
    }
    const job = state.printJob;
    if (job && job.kind === "slip") openSlipPrint(job.receipt);
    else if (job) openCardPrint();
  };
  $("#print-width").addEventListener("change", () => save({ slip_width: $("#print-width").value }));
  $("#print-margin").addEventListener("change", () => {
    const job = state.printJob;
    // A field being cleared to type anew is not a margin yet.
    if (!job || $("#print-margin").value.trim() === "") return;
    const key = job.kind === "slip" ? "slip_margin_mm" : "card_margin_mm";
    save({ [key]: String($("#print-margin").value) });
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F10") {
      ev.preventDefault();
      openSlipPrint(state.lastSlip);
    }
  });
}

export { openCardPrint, openSlipPrint, wirePrint };
