// A text the server changes often: `show` replaces it in place, re-rendering only this component.
export default {
  template: `<span>{{ shown }}</span>`,
  props: { value: String },
  data() {
    return { shown: this.value };
  },
  watch: {
    value(value) {
      this.shown = value;
    },
  },
  methods: {
    show(value) {
      this.shown = value;
    },
  },
};
