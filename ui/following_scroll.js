// A scrolling box that follows new content while the reader is at its end; once they scroll up, it keeps their
// place until they come back down. Only the user leaves the end: when the page moves it (content above settling,
// a message re-rendered once complete), a following box goes back to the end.
const SLACK_PX = 48;
const USER_INPUT_MS = 800; // a scroll this soon after a wheel, swipe or key in the box is the user's

export default {
  template: `<div tabindex="0" role="region" :aria-label="label" :data-following="String(following)"><slot></slot></div>`,
  props: { label: String },
  data() {
    return { following: true };
  },
  mounted() {
    let held = false; // the pointer is down on the box: its scrollbar may be dragged
    let intent = -Infinity;
    const box = this.$el;
    const byUser = () => held || performance.now() - intent < USER_INPUT_MS;
    for (const type of ["wheel", "touchmove", "keydown"]) {
      box.addEventListener(type, () => (intent = performance.now()), { passive: true });
    }
    box.addEventListener("pointerdown", () => (held = true));
    this.release = () => (held = false);
    window.addEventListener("pointerup", this.release);
    // The box's own move to its end leaves nothing to decide, so its scroll event reads no geometry: by then the
    // next update has changed the text, and reading would make the browser lay the transcript out an extra time.
    let own = false;
    const toEnd = () => {
      if (box.scrollTop >= box.scrollHeight - box.clientHeight - 1) return; // there already: no scroll event comes
      own = true;
      box.scrollTop = box.scrollHeight;
    };
    box.addEventListener("scroll", () => {
      const mine = own;
      own = false;
      if (mine && !byUser()) return;
      if (box.scrollHeight - box.scrollTop - box.clientHeight <= SLACK_PX) this.following = true;
      else if (byUser()) this.following = false;
      else if (this.following) toEnd();
    }, { passive: true });
    this.grown = new ResizeObserver(() => {
      if (this.following) toEnd();
    });
    if (box.firstElementChild) this.grown.observe(box.firstElementChild);
    toEnd();
  },
  unmounted() {
    this.grown.disconnect();
    window.removeEventListener("pointerup", this.release);
  },
};
