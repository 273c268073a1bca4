// A scrolling box that follows new content while the reader is at its end; once they scroll up, it keeps their
// place until they come back down. Only the user leaves the end: when the page moves it (content above settling,
// a message re-rendered once complete), a following box goes back to the end when its content's size changes.
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
    // Where the end was when the content last grew: a reader who scrolls down to it is at the end even if more text
    // arrived before their scroll event did (the end measured then has moved on by what came meanwhile).
    let end = 0;
    let last = 0;
    box.addEventListener("scroll", () => {
      // Following and not moved by the user: the box moved itself to the end (or the page moved it), and the
      // ResizeObserver keeps it there. Reading where it is would lay the page out before its frame does.
      if (this.following && !byUser()) return;
      const top = box.scrollTop;
      const down = top > last;
      last = top;
      if (box.scrollHeight - top - box.clientHeight <= SLACK_PX || (down && top >= end - SLACK_PX)) {
        this.following = true;
      } else if (byUser()) {
        this.following = false;
      }
    }, { passive: true });
    // Called after layout, so what it reads costs nothing.
    this.grown = new ResizeObserver(() => {
      if (this.following) box.scrollTop = box.scrollHeight;
      end = box.scrollHeight - box.clientHeight;
      last = box.scrollTop;
    });
    if (box.firstElementChild) this.grown.observe(box.firstElementChild);
    box.scrollTop = box.scrollHeight;
  },
  unmounted() {
    this.grown.disconnect();
    window.removeEventListener("pointerup", this.release);
  },
};
