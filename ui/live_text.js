// A text the server changes often: `show` sets it in place. Vue is not involved, so no component renders.
export default {
  template: `<span></span>`,
  props: { value: String },
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
      this.$el.textContent = value ?? "";
    },
  },
};
