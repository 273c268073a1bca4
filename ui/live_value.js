// A value the server changes often, a text or a progress bar from 0 to 1: `show` sets it in place. Vue is not
// involved, so no component renders; the bar scales its fill, so nothing is laid out again.
export default {
  template: `<div v-if="bar" class="live-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100">
    <div class="live-bar-fill"></div></div><span v-else></span>`,
  props: { value: [String, Number], data: Object, bar: Boolean },
  mounted() {
    this.show(this.value, this.data);
  },
  // The element sent again (its props are kept current on the server) shows what it carries.
  watch: {
    value() {
      this.show(this.value, this.data);
    },
    data() {
      this.show(this.value, this.data);
    },
  },
  methods: {
    // Only what changed is written: every write is a mutation that the page's observers and style rules look at.
    show(value, data) {
      const dataset = this.$el.dataset;
      for (const [key, text] of Object.entries(data || {})) {
        if (dataset[key] !== text) dataset[key] = text;
      }
      if (!this.bar) {
        const text = String(value ?? "");
        if (this.$el.textContent !== text) this.$el.textContent = text;
        return;
      }
      const fraction = Math.min(1, Math.max(0, value || 0));
      if (fraction === this.fraction) return;
      this.fraction = fraction;
      this.$el.firstElementChild.style.transform = `scaleX(${fraction})`;
      this.$el.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    },
  },
};
