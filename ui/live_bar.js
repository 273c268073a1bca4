// A progress bar the server moves often: `show` scales its fill in place (no layout). Vue is not involved, so no
// component renders.
export default {
  template: `<div class="live-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100">
    <div class="live-bar-fill"></div></div>`,
  props: { value: Number },
  mounted() {
    this.show(this.value);
  },
  watch: {
    value(value) {
      this.show(value);
    },
  },
  methods: {
    show(value) {
      const fraction = Math.min(1, Math.max(0, value || 0));
      this.$el.firstElementChild.style.transform = `scaleX(${fraction})`;
      this.$el.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    },
  },
};
