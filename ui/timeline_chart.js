// The run's timeline: one lane per agent, drawn with the ECharts that NiceGUI ships for ui.echart. Hover shows a
// span's sentence; so does keyboard focus, stepping with the arrow keys; screen readers get every sentence as a
// list and the focused one in a live region. What is still going on grows with a clock here, so the server sends
// the spans only when they change.
//
// ECharts is imported once the page is up, not with it: a tab connects and streams without waiting for the
// library to load.
let echarts = null;

const COLORS = {
  light: {
    working: "#3f51b5", failed: "#c62828", stopped: "#757575", service_wait: "#e65100", user_wait: "#8e24aa",
    paused: "#546e7a", queued: "#90a4ae", tests: "#00838f", tests_passed: "#2e7d32", tests_failed: "#c62828",
    tests_skipped: "#757575", command: "#5d4037", fix: "#ad1457", end: "#2e7d32", text: "#3c4043", grid: "#e0e3ea",
  },
  dark: {
    working: "#8c9eff", failed: "#ff8a80", stopped: "#9e9e9e", service_wait: "#ffb74d", user_wait: "#ce93d8",
    paused: "#b0bec5", queued: "#78909c", tests: "#80deea", tests_passed: "#81c784", tests_failed: "#ff8a80",
    tests_skipped: "#9e9e9e", command: "#bcaaa4", fix: "#f48fb1", end: "#81c784", text: "#dfe3ea", grid: "#3a3f4a",
  },
};
const END_COLORS = { done: "end", failed: "failed", cancelled: "stopped", interrupted: "stopped" };
// Moments rather than stretches, drawn as symbols: the run's ends, and failing tests sent back for a fix.
const MARKS = { end: "diamond", fix: "triangle" };
// Height of each kind's bar as a share of its lane: waits sit on top of the work they interrupt, and the user's
// command on top of a test run it may overlap (one can be typed while the tests' packages download).
const HEIGHTS = { working: 0.6, failed: 0.6, stopped: 0.6, service_wait: 0.3, user_wait: 0.6, paused: 0.6, queued: 0.6,
                  tests: 0.6, tests_passed: 0.6, tests_failed: 0.6, tests_skipped: 0.6, command: 0.3 };
const LANE_PX = 34;
const CLOCK_MS = 5000;
const IDLE_TIMEOUT_MS = 1000;
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escape(text) {
  return String(text).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function seconds(value) {
  const s = Math.max(0, Math.round(value));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export default {
  template: `
    <div class="run-timeline">
      <div ref="chart" class="run-timeline-chart" tabindex="0" role="group" :aria-label="label"
           :style="{ height: (lanes.length * ${LANE_PX} + 70) + 'px' }"
           @keydown="onKey" @focus="onFocus" @blur="onBlur"></div>
      <p class="sr-only" aria-live="polite" data-testid="timeline-focused">{{ spoken }}</p>
      <ul class="sr-only" data-testid="timeline-spans">
        <li v-for="item in items" :data-lane="item.lane_name" :data-kind="item.kind" :data-outcome="item.outcome"
            :data-start="item.start" :data-end="item.end === null ? '' : item.end">{{ item.text }}</li>
      </ul>
    </div>`,
  props: { label: String, lanes: Array, items: Array, series: Object, origin: Number, now: Number, live: Boolean },
  data() {
    return { current: -1, spoken: "" };
  },
  async mounted() {
    this.offset = this.now - Date.now(); // the server's clock, so a span still going on grows from its start
    echarts ??= (await import("nicegui-echart")).echarts;
    // The chart's first drawing in a task of its own, not in the one that evaluated the library (together, one task
    // of 120 ms while text streams).
    await new Promise((resolve) => setTimeout(resolve));
    if (!this.$refs.chart) return; // gone while the library loaded
    this.chart = echarts.init(this.$refs.chart, null, { renderer: "canvas" });
    // A new size is drawn at an idle moment, with any new data in the same pass: a new lane makes the box taller
    // just as its data arrives, and a resize and a drawing each redrew the whole chart (up to 140 ms on a busy
    // machine). Observing reports the size the chart was made with: nothing to draw then.
    this.resize = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      if (Math.abs(width - this.chart.getWidth()) >= 1 || Math.abs(height - this.chart.getHeight()) >= 1) {
        this.whenIdle("resize");
      }
    });
    this.resize.observe(this.$refs.chart);
    this.theme = new MutationObserver(() => this.draw());
    this.theme.observe(document.body, { attributes: true, attributeFilter: ["class"] });
    // The clock only runs while someone can see the chart, and only now and then: a redraw costs the browser a
    // few milliseconds, and every tab of a run has one.
    this.inView = false;
    this.seen = new IntersectionObserver(([entry]) => (this.inView = entry.isIntersecting));
    this.seen.observe(this.$refs.chart);
    this.clock = setInterval(() => {
      if (this.live && this.inView && document.visibilityState === "visible") this.whenIdle("tick");
    }, CLOCK_MS);
    this.draw();
  },
  unmounted() {
    clearInterval(this.clock);
    if (this.waiting) cancelIdleCallback(this.waiting);
    this.resize?.disconnect();
    this.theme?.disconnect();
    this.seen?.disconnect();
    this.chart?.dispose();
  },
  watch: {
    items() {
      this.offset = this.now - Date.now();
      this.whenIdle("draw");
    },
  },
  methods: {
    // Drawing is ECharts' work on the main thread: it waits for a moment without text to show, and what is asked
    // meanwhile is done once (a whole drawing covers a tick of the clock, and takes a new size with it).
    whenIdle(work) {
      this.due = { ...this.due, [work]: true };
      if (this.waiting) return;
      this.waiting = requestIdleCallback(() => {
        const due = this.due;
        this.waiting = this.due = null;
        if (due.draw) this.draw(due.resize);
        else if (due.resize) this.chart?.resize();
        else this.tick();
      }, { timeout: IDLE_TIMEOUT_MS });
    },
    colors() {
      return document.body.classList.contains("body--dark") ? COLORS.dark : COLORS.light;
    },
    nowSeconds() {
      return (Date.now() + this.offset - this.origin) / 1000;
    },
    // Each series' items, in legend order; what still lasts ends now.
    groups() {
      const colors = this.colors();
      const now = this.nowSeconds();
      const groups = Object.fromEntries(Object.keys(this.series).map((key) => [key, []]));
      for (const item of this.items) {
        const start = (item.start - this.origin) / 1000;
        const end = item.end == null ? Math.max(start, now) : (item.end - this.origin) / 1000;
        const color = colors[item.series === "end" ? END_COLORS[item.outcome] : item.series];
        groups[item.series].push({ value: [item.lane, start, end], text: item.text, itemStyle: { color } });
      }
      return groups;
    },
    // The whole chart: the series that have items; `order` lists every item by time, for the keyboard.
    option() {
      const colors = this.colors();
      const groups = this.groups();
      const keys = Object.keys(groups).filter((key) => groups[key].length);
      const series = keys.map((key) =>
        key in MARKS
          ? { id: key, name: this.series[key], type: "scatter", symbol: MARKS[key], symbolSize: 14,
              data: groups[key], encode: { x: 1, y: 0 }, itemStyle: { color: colors[key] } }
          : { id: key, name: this.series[key], type: "custom", data: groups[key], encode: { x: [1, 2], y: 0 },
              itemStyle: { color: colors[key] }, renderItem: (params, api) => this.bar(params, api, HEIGHTS[key]) });
      this.order = [];
      series.forEach((s, seriesIndex) =>
        s.data.forEach((d, dataIndex) => this.order.push({ seriesIndex, dataIndex, start: d.value[1], text: d.text })));
      this.order.sort((a, b) => a.start - b.start);
      return {
        animation: false,
        aria: { enabled: false }, // the group's label and the list below describe the chart
        grid: { left: 8, right: 24, top: 36, bottom: 28, containLabel: true },
        legend: { top: 0, textStyle: { color: colors.text }, data: series.map((s) => s.name) },
        tooltip: { trigger: "item", confine: true, formatter: (p) => escape(p.data.text) },
        xAxis: { type: "value", min: 0, minInterval: 1, axisLabel: { color: colors.text, formatter: seconds },
                 splitLine: { lineStyle: { color: colors.grid } } },
        yAxis: { type: "category", inverse: true, data: this.lanes, axisLabel: { color: colors.text },
                 axisLine: { lineStyle: { color: colors.grid } } },
        series,
      };
    },
    // A tick of the clock: only the series with something still lasting get new data.
    tick() {
      const lasting = new Set(this.items.filter((item) => item.end == null).map((item) => item.series));
      if (!this.chart || !lasting.size) return;
      const groups = this.groups();
      this.chart.setOption({ series: [...lasting].map((id) => ({ id, data: groups[id] })) }, { lazyUpdate: true });
    },
    bar(params, api, share) {
      const lane = api.value(0);
      const from = api.coord([api.value(1), lane]);
      const to = api.coord([api.value(2), lane]);
      const height = api.size([0, 1])[1] * share;
      const shape = echarts.graphic.clipRectByRect(
        { x: from[0], y: from[1] - height / 2, width: Math.max(3, to[0] - from[0]), height },
        { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
      return shape && { type: "rect", shape, style: api.style() };
    },
    // Merged into what is drawn, the series replaced by id: ECharts keeps its axes, legend and tooltip instead of
    // building the chart anew (a whole new chart took 50–120 ms of a tab's main thread). A new lane makes the box
    // taller, which the ResizeObserver follows.
    draw(resize = false) {
      if (!this.chart) return;
      // Given a new size too, ECharts draws both in one pass: the option waits (lazyUpdate) for the resize.
      this.chart.setOption(this.option(), { replaceMerge: ["series"], lazyUpdate: resize });
      if (resize) this.chart.resize();
      if (this.current >= 0 && document.activeElement === this.$refs.chart) this.show(this.current);
    },
    show(index) {
      const step = this.order?.[index];
      if (!step || !this.chart) return;
      this.current = index;
      this.chart.dispatchAction({ type: "showTip", seriesIndex: step.seriesIndex, dataIndex: step.dataIndex });
    },
    speak(index) {
      if (this.order?.[index]) this.spoken = this.order[index].text;
    },
    onFocus() {
      const index = this.current >= 0 ? this.current : 0;
      this.show(index);
      this.speak(index);
    },
    onBlur() {
      this.chart?.dispatchAction({ type: "hideTip" });
    },
    onKey(event) {
      const last = (this.order?.length ?? 0) - 1;
      const moves = { ArrowRight: this.current + 1, ArrowDown: this.current + 1, ArrowLeft: this.current - 1,
                      ArrowUp: this.current - 1, Home: 0, End: last };
      if (!(event.key in moves) || last < 0) return;
      event.preventDefault();
      const index = Math.min(last, Math.max(0, moves[event.key]));
      this.show(index);
      this.speak(index);
    },
  },
};
