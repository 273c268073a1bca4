// A div whose children render in a component of their own (ui/scope.py). They render again when something in them
// changes, or when the scope's own element was sent again (`token`, a new object then): not whenever the page
// around the scope renders. NiceGUI passes children as slots, which Vue cannot tell unchanged, so without this a
// render of the page around would render every component inside the scope too.
//
// A deferred scope's contents render after the page's first mount, each scope in a task of its own, in page order:
// the first mount of a run's page was one task of ~200 ms.
const later = [];

function showNext() {
  later.shift()();
  if (later.length) setTimeout(showNext);
}

const Contents = {
  props: { token: Object },
  data() {
    return { shown: !this.$parent.deferred };
  },
  mounted() {
    if (this.shown) return;
    later.push(() => (this.shown = true));
    if (later.length === 1) setTimeout(showNext);
  },
  render() {
    return this.shown ? this.$parent.$slots.default?.() : null;
  },
};

export default {
  components: { Contents },
  props: { token: Object, deferred: Boolean },
  template: `<div><contents :token="token"></contents></div>`,
};
