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

// The item page's other forms (Link evidence, Unlink, Find, Add action) reload the page: an
// answer typed above and not yet saved is first kept as a draft, which the page restores.
function answerChanged(form) {
  return [...form.elements].some((field) => {
    if (field.type === "radio" || field.type === "checkbox") return field.checked !== field.defaultChecked;
    if (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && field.type !== "hidden")) {
      return field.value !== field.defaultValue;
    }
    return false;
  });
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-app-keeps-answer")) return;
  const answer = document.getElementById("response-form"); // htmx may have swapped it since
  if (!answer || !answerChanged(answer)) return;
  event.preventDefault();
  const body = new FormData(answer);
  body.set("then", "keep");
  try {
    await fetch(answer.action, { method: "POST", body, credentials: "same-origin" });
  } finally {
    form.submit(); // kept or not, the person's own request goes ahead
  }
});
