// The run's terminal: xterm.js (NiceGUI's bundle), written only with what is new. The server sends each tab the
// text it has not written yet, at a bounded rate; here, whatever arrives within one animation frame is written in
// one go, so a flood of output costs the page one terminal write per frame. Ctrl-C in the terminal asks the server
// to interrupt the running command.
//
// xterm.js is loaded, and the terminal made, after the page is up and each in a task of its own: in the page's
// first mount they were a seventh of one task of ~200 ms. The server writes nothing before the terminal is ready.
import { loadResource } from "../../static/utils/resources.js";

const HIDDEN_TAB_DELAY_MS = 250; // animation frames stop in a hidden tab; the text still gets written
let Terminal = null;

export default {
  template: "<div></div>",
  props: {
    options: Object,
    resourcePath: String,
  },
  async mounted() {
    this.received = 0; // characters of the terminal's text received so far
    this.lines = 0;
    this.pending = [];
    this.written = []; // what was written, in order: the page's own record of what it shows
    this.scheduled = false;
    Terminal ??= (await import("nicegui-xterm")).Terminal;
    await new Promise((resolve) => setTimeout(resolve));
    if (this.gone) return;
    // Output is untrusted: a link it writes (OSC 8) leads nowhere.
    this.terminal = new Terminal({ ...this.options, linkHandler: { activate() {} } });
    this.terminal.open(this.$el);
    // Tab moves the focus on, as everywhere on the page: the terminal takes no input but Ctrl-C, and a keyboard
    // user must not be trapped in it.
    this.terminal.attachCustomKeyEventHandler((event) => event.key !== "Tab");
    this.terminal.onData((data) => {
      if (data.includes("\x03")) this.$emit("interrupt");
    });
    this.$el.botarmyTerminal = this;
    this.$nextTick().then(() => loadResource(window.path_prefix + `${this.resourcePath}/xterm.css`));
    this.$emit("ready"); // the server sends text only from here on: nothing is lost to a call before mounting
  },
  unmounted() {
    this.gone = true;
    this.terminal?.dispose();
  },
  methods: {
    append(offset, text) {
      if (offset !== this.received) {
        // A message went missing (or came twice): ask for the text from where this tab really is.
        this.$emit("resync", this.received);
        return;
      }
      this.received += text.length;
      this.pending.push(text);
      if (!this.scheduled) {
        this.scheduled = true;
        if (document.hidden) setTimeout(() => this.flush(), HIDDEN_TAB_DELAY_MS);
        else requestAnimationFrame(() => this.flush());
      }
    },
    flush() {
      this.scheduled = false;
      const text = this.pending.join("");
      this.pending = [];
      this.terminal.write(text);
      this.written.push(text);
      this.lines += text.split("\n").length - 1;
      this.$el.dataset.lines = String(this.lines);
      this.$el.dataset.chars = String(this.received);
    },
    text() {
      return this.written.join("");
    },
  },
};
