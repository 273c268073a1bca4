// Makes the calls a tab's flush gathered (ui/calls.py), in order. Each on its own, as separate messages would be:
// one that throws does not stop the others.
export default {
  template: `<span hidden></span>`,
  methods: {
    apply(calls) {
      for (const [id, method, args] of calls) {
        try {
          runMethod(id, method, args);
        } catch (error) {
          console.error(error);
        }
      }
    },
  },
};
