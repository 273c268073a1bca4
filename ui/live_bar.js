// A progress bar the server moves often: `show` scales its fill in place (no layout), re-rendering only this
// component.
export default {
  template: `<div class="live-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
    :aria-valuenow="Math.round(shown * 100)"><div class="live-bar-fill" :style="{ transform: 'scaleX(' + shown + ')' }"></div></div>`,
  props: { value: Number },
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
