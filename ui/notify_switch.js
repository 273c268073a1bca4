// The header's bell: asks the browser for permission to notify, and remembers in this browser whether the user
// wants desktop notifications (read by attention.js). Hidden where the browser has no notifications.
const ICONS = { on: "notifications_active", off: "notifications_none", blocked: "notifications_off" };

export default {
  template: `
    <q-btn v-if="state" flat round dense color="white" :icon="icons[state]" :aria-label="labels[state]"
           :title="labels[state]" :aria-pressed="String(state === 'on')" :data-state="state" @click="toggle" />`,
  props: { optIn: String, labels: Object },
  data() {
    return { state: null, icons: ICONS };
  },
  mounted() {
    this.refresh();
  },
  methods: {
    refresh() {
      if (!("Notification" in window)) this.state = null;
      else if (Notification.permission === "denied") this.state = "blocked";
      else this.state = Notification.permission === "granted" && localStorage.getItem(this.optIn) === "on" ? "on" : "off";
    },
    async toggle() {
      if (this.state === "on") localStorage.setItem(this.optIn, "off");
      else if ((await Notification.requestPermission()) === "granted") localStorage.setItem(this.optIn, "on");
      this.refresh();
    },
  },
};
