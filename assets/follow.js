// The transcript follows new text while the reader is at its end; once they scroll up, it keeps their place until
// they come back down. `data-following` says which, for anyone who wants to know.
(function () {
  const SLACK_PX = 48;
  const tracked = new WeakSet();

  function track(box) {
    if (tracked.has(box) || !box.firstElementChild) return;
    tracked.add(box);
    let following = true;
    let held = false; // the pointer is down on the box: its scrollbar may be dragged
    let intent = -Infinity; // when the user last turned a wheel, swiped or pressed a key in the box
    const byUser = () => held || performance.now() - intent < 800;
    const mark = () => {
      if (box.dataset.following !== String(following)) box.dataset.following = String(following);
    };
    for (const type of ["wheel", "touchmove", "keydown"]) {
      box.addEventListener(type, () => (intent = performance.now()), { passive: true });
    }
    box.addEventListener("pointerdown", () => (held = true));
    window.addEventListener("pointerup", () => (held = false));
    // Only the user leaves the end. When the page moves it (content above settling, a message re-rendered once
    // complete), a following box goes back to the end; reaching the end again, by any means, follows again.
    box.addEventListener("scroll", () => {
      if (box.scrollHeight - box.scrollTop - box.clientHeight <= SLACK_PX) following = true;
      else if (byUser()) following = false;
      else if (following) box.scrollTop = box.scrollHeight;
      mark();
    }, { passive: true });
    new ResizeObserver(() => {
      if (following) box.scrollTop = box.scrollHeight;
    }).observe(box.firstElementChild);
    box.scrollTop = box.scrollHeight;
    mark();
  }

  const scan = () => document.querySelectorAll(".transcript-scroll").forEach(track);
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  scan();
})();
