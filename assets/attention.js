// The tab's title follows the run's state, and, once the user allowed it, a desktop notification says when a run
// needs them (waits for approval, failed, completed) while the tab is in the background. The server writes the
// state on the run's attention element (ui/attention.py); a state the page loaded with is not news.
(function () {
  const OPT_IN = "botarmy-notifications";
  const LABELS = {
    on: "Desktop notifications: on. Turn off.",
    off: "Desktop notifications: off. Turn on to hear when a run needs you while this tab is hidden.",
    blocked: "Desktop notifications are blocked for this site in your browser's settings.",
  };
  const ICONS = { on: "notifications_active", off: "notifications_none", blocked: "notifications_off" };
  const supported = "Notification" in window;
  const seen = new WeakMap();

  function wanted() {
    return supported && localStorage.getItem(OPT_IN) === "on" && Notification.permission === "granted";
  }

  function inBackground() {
    return document.visibilityState !== "visible" || !document.hasFocus();
  }

  function follow(element) {
    const title = element.dataset.title;
    if (title && document.title !== title) document.title = title;
    const key = element.dataset.noticeKey || "";
    const before = seen.get(element);
    seen.set(element, key);
    if (before === undefined || !key || key === before || !wanted() || !inBackground()) return;
    const notice = new Notification(element.dataset.noticeTitle, { body: element.dataset.noticeBody, tag: key });
    notice.onclick = () => {
      window.focus();
      notice.close();
    };
  }

  function showSwitch() {
    const state = !supported ? null : Notification.permission === "denied" ? "blocked" : wanted() ? "on" : "off";
    for (const button of document.querySelectorAll('[data-testid="notify-toggle"]')) {
      if (state === null) {
        button.hidden = true;
        continue;
      }
      if (button.dataset.state === state) continue;
      button.dataset.state = state;
      button.setAttribute("aria-pressed", String(state === "on"));
      button.setAttribute("aria-label", LABELS[state]);
      button.title = LABELS[state];
      const icon = button.querySelector(".q-icon");
      if (icon) icon.textContent = ICONS[state];
    }
  }

  async function toggle() {
    if (!supported) return;
    if (wanted()) {
      localStorage.setItem(OPT_IN, "off");
    } else if ((await Notification.requestPermission()) === "granted") {
      localStorage.setItem(OPT_IN, "on");
    }
    showSwitch();
  }

  function scan() {
    document.querySelectorAll('[data-testid="run-attention"]').forEach(follow);
    showSwitch();
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest('[data-testid="notify-toggle"]')) toggle();
  });
  new MutationObserver(scan).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["data-title", "data-notice-key"],
  });
  scan();
})();
