// Honest connection indicator: driven by the browser's own socket and network events, because the server
// cannot tell a page that it has lost the page. Elements marked data-requires-connection are disabled offline.
(function () {
  const LABELS = { connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline" };
  let state = null;

  function apply(next) {
    state = next;
    // Only real changes are written: the MutationObserver below must not feed on our own writes.
    if (document.body.dataset.connection !== next) document.body.dataset.connection = next;
    for (const el of document.querySelectorAll('[data-testid="connection-status"]')) {
      if (el.dataset.state !== next) el.dataset.state = next;
      const label = el.querySelector(".connection-label");
      if (label && label.textContent !== LABELS[next]) label.textContent = LABELS[next];
    }
    for (const el of document.querySelectorAll("[data-requires-connection]")) {
      if (next === "connected") {
        if (el.dataset.offlineDisabled) { el.disabled = false; delete el.dataset.offlineDisabled; }
      } else if (!el.disabled) {
        el.disabled = true;
        el.dataset.offlineDisabled = "1";
      }
    }
  }

  function lost() { apply(navigator.onLine ? "reconnecting" : "offline"); }

  function attach() {
    if (!window.socket) return setTimeout(attach, 25);
    window.socket.on("connect", () => apply("connected"));
    window.socket.on("disconnect", lost);
    window.socket.on("connect_error", lost);
    window.socket.io.on("reconnect_attempt", lost);
    apply(window.socket.connected ? "connected" : "reconnecting");
  }

  window.addEventListener("offline", () => apply("offline"));
  window.addEventListener("online", () => {
    if (window.socket && !window.socket.connected) {
      // Reconnect now rather than when socket.io's growing backoff timer next fires (up to seconds later). NiceGUI
      // resumes a socket from the last message the page received, which it writes into the socket's query only when
      // socket.io itself attempts a reconnect: this one must carry it too, or the server cannot resume from where the
      // page was and reloads it (a network blip of under a second did, 3 times in 5, on a finished run's page).
      const query = window.socket.io.opts.query;
      if (query && "next_message_id" in query) query.next_message_id = window.nextMessageId;
      window.socket.disconnect();
      window.socket.connect();
    }
    apply(window.socket && window.socket.connected ? "connected" : "reconnecting");
  });
  // Elements rendered later (a new page section) get the current state too. Only added elements are looked at, not
  // the whole page: text streaming into an answer adds nodes many times a second, and none of them is a control.
  const SHOWN = '[data-testid="connection-status"], [data-requires-connection]';
  const concerned = (node) => node.nodeType === Node.ELEMENT_NODE && (node.matches(SHOWN) || node.querySelector(SHOWN));
  new MutationObserver((records) => {
    if (state && records.some((record) => [...record.addedNodes].some(concerned))) apply(state);
  }).observe(document.body, { childList: true, subtree: true });
  attach();
})();
