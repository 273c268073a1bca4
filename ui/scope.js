// A div whose children render in a component of their own (ui/scope.py). They render again when something in them
// changes, or when the scope's own element was sent again (`token`, a new object then): not whenever the page
// around the scope renders. NiceGUI passes children as slots, which Vue cannot tell unchanged, so without this a
// render of the page around would render every component inside the scope too.
const Contents = {
  props: { token: Object },
  render() {
    return this.$parent.$slots.default?.();
  },
};

export default {
  components: { Contents },
  props: { token: Object },
  template: `<div><contents :token="token"></contents></div>`,
};
