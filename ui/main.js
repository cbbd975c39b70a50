// MemberDesk's window: wires every screen's controls and keys, then opens the store and
// the sign-in gate.

import { $, applyI18n, invoke, loadStatus, showScreen, state } from "./core.js";
import { wirePrint } from "./print.js";
import { wireAbout } from "./about.js";
import { wireStoredValue } from "./storedvalue.js";
import { openTopUp, requestTopUpQuote, submitTopUp, openSvPin, submitSvPin, openPayout, submitPayout, replaceCard, showPinField, openNotes, submitNotes, openRedeem, openRefund, openSelected, renderResults, requestQuote, resetMemberForm, scheduleSearch, submitAdjust, submitCheckout, submitInteraction, submitMember, submitRedeem, submitRefund } from "./desk.js";
import { exportReview, loadReview, renderReview, runReview, saveSettings, wireImport } from "./manager.js";
import { exportContacts, recordContact } from "./service.js";
import { gate, signedInStaff, wireSession } from "./session.js";
import { openConnect, wireConnection } from "./connection.js";
import { wireFigures } from "./figures.js";
import { wireCustomers } from "./customers.js";

// ---- wiring -------------------------------------------------------------------------

function wire() {
  wireFigures();
  wireCustomers();
  wireImport();
  $("#search").addEventListener("input", scheduleSearch);
  $("#search").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const n = state.hits.length;
      if (n) state.selected = (state.selected + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      renderResults();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      openSelected();
    } else if (ev.key === "Escape") {
      $("#search").value = "";
      state.hits = [];
      renderResults();
    }
  });
  $("#checkout-form").addEventListener("submit", submitCheckout);
  $("#refund-form").addEventListener("submit", submitRefund);
  $("#adjust-form").addEventListener("submit", submitAdjust);
  $("#member-form").addEventListener("submit", submitMember);
  $("#interaction-form").addEventListener("submit", submitInteraction);
  // The recommend score is asked with a survey only.
  $("#interaction-kind").addEventListener("change", (e) => {
    $("#interaction-score-field").classList.toggle("hidden", e.target.value !== "survey");
    $("#interaction-score").value = "";
  });
  $("#redeem-form").addEventListener("submit", submitRedeem);
  $("#se-done").addEventListener("click", () => recordContact("done"));
  $("#se-noanswer").addEventListener("click", () => recordContact("no_answer"));
  $("#se-reschedule").addEventListener("click", () => recordContact("rescheduled"));
  $("#se-dnc").addEventListener("click", () => $("#dlg-dnc").showModal());
  $("#dnc-confirm").addEventListener("click", () => {
    $("#dlg-dnc").close();
    recordContact("do_not_call");
  });
  $("#dnc-cancel").addEventListener("click", () => $("#dlg-dnc").close());
  $("#service-sms").addEventListener("click", () => exportContacts("sms"));
  $("#service-calls").addEventListener("click", () => exportContacts("call"));
  $("#btn-redeem").addEventListener("click", openRedeem);
  $("#checkout-amount").addEventListener("input", requestQuote);
  $("#checkout-coupon").addEventListener("input", requestQuote);
  $("#checkout-coupon-pick").addEventListener("change", requestQuote);
  $("#review-month").addEventListener("change", loadReview);
  $("#review-run").addEventListener("click", runReview);
  $("#review-csv").addEventListener("click", () => exportReview("csv"));
  $("#review-xlsx").addEventListener("click", () => exportReview("xlsx"));
  $("#review-dir").addEventListener("change", renderReview);
  $("#review-tier").addEventListener("change", renderReview);
  $("#settings-form").addEventListener("submit", saveSettings);
  $("#member-cancel").addEventListener("click", () => {
    resetMemberForm(null);
    showScreen("desk");
  });
  $("#btn-refund").addEventListener("click", openRefund);
  $("#btn-topup").addEventListener("click", openTopUp);
  $("#topup-amount").addEventListener("input", requestTopUpQuote);
  $("#topup-form").addEventListener("submit", submitTopUp);
  $("#btn-sv-pin").addEventListener("click", openSvPin);
  $("#sv-pin-form").addEventListener("submit", submitSvPin);
  $("#btn-payout").addEventListener("click", openPayout);
  $("#payout-form").addEventListener("submit", submitPayout);
  $("#btn-card-replace").addEventListener("click", () => state.card && $("#dlg-card-replace").showModal());
  $("#card-replace-confirm").addEventListener("click", replaceCard);
  $("#card-replace-cancel").addEventListener("click", () => $("#dlg-card-replace").close());
  $("#checkout-sv").addEventListener("input", () => {
    showPinField();
    requestQuote();
  });
  $("#checkout-sv-all").addEventListener("click", () => {
    $("#checkout-sv").value = "全部";
    showPinField();
    requestQuote();
    ($("#checkout-pin-field").classList.contains("hidden") ? $("#checkout-submit") : $("#checkout-pin")).focus();
  });
  $("#btn-notes").addEventListener("click", openNotes);
  $("#notes-form").addEventListener("submit", submitNotes);
  $("#notes-cancel").addEventListener("click", () => $("#dlg-notes").close());
  $("#btn-adjust").addEventListener("click", () => {
    if (!state.card) return;
    $("#adjust-points").value = "";
    $("#adjust-reason").value = "";
    $("#adjust-error").textContent = "";
    $("#dlg-adjust").showModal();
  });
  $("#btn-edit").addEventListener("click", () => {
    if (!state.card) return;
    resetMemberForm(state.card);
    showScreen("enrol");
  });
  document.querySelectorAll(".tab").forEach((b) =>
    b.addEventListener("click", () => {
      if (b.dataset.screen === "enrol") resetMemberForm(null);
      showScreen(b.dataset.screen);
    }),
  );
  const toggleLanguage = () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("lang", state.lang);
    applyI18n();
  };
  $("#lang-toggle").addEventListener("click", toggleLanguage);
  $("#gate-lang").addEventListener("click", toggleLanguage);
  $("#date-confirm").addEventListener("click", async () => {
    $("#dlg-date").close();
    // Only a manager confirms a long jump of the date: anyone else hands over to one.
    const who = signedInStaff();
    if (!who || !who.allowed.includes("edit_settings")) {
      if (who) await invoke("sign_out").catch(() => {});
      await gate();
    }
    await loadStatus(true);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F1") {
      ev.preventDefault();
      showScreen("desk");
      $("#search").select();
    } else if (ev.key === "F2") {
      ev.preventDefault();
      if (state.card) {
        showScreen("desk");
        $("#checkout-amount").focus();
      }
    } else if (ev.key === "F3") {
      ev.preventDefault();
      showScreen("service");
    } else if (ev.key === "F6") {
      ev.preventDefault();
      showScreen("manager");
    } else if (ev.key === "F7") {
      ev.preventDefault();
      showScreen("figures");
    } else if (ev.key === "F8") {
      ev.preventDefault();
      showScreen("customers");
    } else if (ev.key === "F4") {
      ev.preventDefault();
      resetMemberForm(null);
      showScreen("enrol");
    }
  });
}

async function start() {
  wire();
  wirePrint();
  wireAbout();
  wireStoredValue();
  wireSession();
  wireConnection(() => window.location.reload());
  applyI18n();
  // A shared server that cannot be reached (or needs its password) is dealt with first.
  const conn = await invoke("store_connection").catch(() => null);
  if (conn && conn.error) {
    if (await openConnect()) {
      window.location.reload();
      return;
    }
  }
  await loadStatus();
  // Nothing of the store answers until somebody signs in (the first start sets up the
  // manager, or fills the demo store with its three accounts).
  await gate();
}

start();
