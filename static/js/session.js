// Warn before an unused sign-in ends, and let the user stay signed in with one action
// (WCAG 2.2.1). The server decides when a session ends; this page only asks it how long is
// left. Someone who has typed since the page last spoke to the server is writing, not away:
// they are kept signed in quietly, so unsaved words are not lost.
export function watchSession(box) {
  const remainingUrl = box.dataset.remainingUrl;
  const warnSeconds = Number(box.dataset.warnSeconds);
  const warning = box.querySelector("[data-state=warning]");
  const ended = box.querySelector("[data-state=ended]");
  const form = warning.querySelector("form");
  let typed = false;
  let timer;

  const schedule = (seconds) => {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, seconds) * 1000);
  };
  const show = (part) => {
    warning.hidden = part !== warning;
    ended.hidden = part !== ended;
    box.hidden = false;
    part.querySelector("h2").focus();
  };
  const askServer = async (options = {}) => {
    const response = await fetch(options.method ? form.action : remainingUrl, {
      ...options,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual", // a signed-out session is sent to the sign-in page: not JSON
    });
    if (!response.ok) return 0;
    return (await response.json()).seconds;
  };
  const stay = async () => {
    const seconds = await askServer({ method: "POST", body: new FormData(form) });
    typed = false;
    if (seconds <= 0) return show(ended);
    box.hidden = true;
    schedule(seconds - warnSeconds);
  };
  async function check() {
    let seconds;
    try {
      seconds = await askServer();
    } catch {
      return schedule(60); // the network is down for now: ask again later
    }
    if (seconds <= 0) return show(ended);
    if (seconds > warnSeconds) return schedule(seconds - warnSeconds);
    if (typed) return stay();
    show(warning);
    schedule(seconds);
  }

  document.addEventListener("input", () => { typed = true; });
  // Each request to the server is use: the clock starts again from there.
  const fromUse = () => schedule(Number(box.dataset.idleSeconds) - warnSeconds);
  document.addEventListener("htmx:afterRequest", () => {
    typed = false;
    if (box.hidden) fromUse();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    stay().catch(() => form.submit());
  });
  fromUse();
}
