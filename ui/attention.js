// The tab's title follows the run's state and, once the user allowed them (the header's bell, notify_switch.js),
// a desktop notification says when the run needs them while its tab is in the background. A state the page
// loaded with is not news.
export default {
  template: `<span hidden :data-status="status"></span>`,
  props: { title: String, status: String, notice: Object, optIn: String },
  mounted() {
    this.told = this.notice?.key ?? "";
    this.retitle();
  },
  watch: {
    title() {
      this.retitle();
    },
    notice(notice) {
      const key = notice?.key ?? "";
      if (!key || key === this.told) return;
      this.told = key;
      const allowed = "Notification" in window && Notification.permission === "granted"
        && localStorage.getItem(this.optIn) === "on";
      const away = document.visibilityState !== "visible" || !document.hasFocus();
      if (!allowed || !away) return;
      const shown = new Notification(notice.title, { body: notice.body, tag: key });
      shown.onclick = () => {
        window.focus();
        shown.close();
      };
    },
  },
  methods: {
    retitle() {
      if (this.title && document.title !== this.title) document.title = this.title;
    },
  },
};
