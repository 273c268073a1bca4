// A div whose children render in this component's own render function: a change inside it renders it alone, not the
// page around it (ui/scope.py).
export default {
  template: `<div><slot></slot></div>`,
};
