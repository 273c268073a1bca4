// A component that notes the calls it gets, in the order they come, for tests of how calls reach the page.
export default {
  template: "<span></span>",
  methods: {
    note(value) {
      (window.notes ??= []).push([this.$el.dataset.testid, value]);
    },
    fail() {
      throw new Error("probe failure");
    },
  },
};
