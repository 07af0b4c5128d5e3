// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";
import { watchSession } from "./session.js";

initAll();

// "Print this page" buttons: shown only where JavaScript can print.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

const sessionWarning = document.getElementById("session-warning");
if (sessionWarning) watchSession(sessionWarning);

// Content that htmx swaps in gets the same components, and an error summary takes focus as it
// does on a full page load, so keyboard and screen-reader users land on what went wrong.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.elt;
  if (!(target instanceof HTMLElement) || !target.isConnected) return;
  initAll({ scope: target });
  const summary = target.querySelector(".govuk-error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  } else if (!document.activeElement || document.activeElement === document.body) {
    // The swap replaced what had focus (an Edit link by its form, a form by the saved text):
    // carry focus into what replaced it, rather than back to the top of the page.
    const next = target.querySelector("textarea, input:not([type=hidden]), select, button, a[href]");
    if (next) next.focus();
  }
});
