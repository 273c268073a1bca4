// Drives POST /agui with @ag-ui/client's HttpAgent.runAgent(), which verifies the AG-UI event rules and throws on
// any violation. Usage: node conformance.mjs BASE_URL SCENARIO; prints one JSON object with what was observed.
import { HttpAgent } from "@ag-ui/client";

const [baseUrl, scenario] = process.argv.slice(2);
// The user's API token: every request of the client carries it.
const headers = { Authorization: `Bearer ${process.env.BOTARMY_TOKEN}` };
const BRIEF = "A command-line tool that tracks reading habits and suggests the next book.";

function agent(threadId) {
  const agent = new HttpAgent({ url: `${baseUrl}/agui`, threadId, headers });
  agent.addMessage({ id: `${threadId}-brief`, role: "user", content: BRIEF });
  return agent;
}

// Anything the client complains about (a state patch that does not apply, an unknown message) fails the test.
const warnings = [];
console.warn = (...args) => warnings.push(args.map(String).join(" "));

async function run(agent, input) {
  const seen = { order: [], counts: {}, subagents: [], finished: null, errored: null, toolCalls: [], toolResults: [],
                 outputBetween: 0 };
  const open = new Set(); // tool calls started whose result has not come yet
  await agent.runAgent(input, {
    onEvent: ({ event }) => {
      seen.counts[event.type] = (seen.counts[event.type] ?? 0) + 1;
      if (!["TEXT_MESSAGE_CONTENT", "STATE_DELTA", "CUSTOM"].includes(event.type)) seen.order.push(event.type);
      if (event.type === "SUBAGENT_STARTED") seen.subagents.push(event.name);
      if (event.type === "TOOL_CALL_START") open.add(event.toolCallId);
      if (event.type === "TOOL_CALL_RESULT") open.delete(event.toolCallId);
      // A command's output travels between its call and its result.
      if (event.type === "CUSTOM" && event.name === "command_output" && open.has(event.value.command_id)) {
        seen.outputBetween += 1;
      }
    },
    onToolCallEndEvent: ({ toolCallName, toolCallArgs }) => { seen.toolCalls.push({ name: toolCallName, args: toolCallArgs }); },
    onToolCallResultEvent: ({ event }) => { seen.toolResults.push(JSON.parse(event.content)); },
    onRunFinishedEvent: ({ outcome, interrupts, pendingToolCallIds }) => {
      seen.finished = { outcome, interrupts: interrupts ?? [], pendingToolCallIds: pendingToolCallIds ?? [] };
    },
    onRunErrorEvent: ({ event }) => { seen.errored = event.message; },
  });
  if (!seen.finished && !seen.errored) throw new Error("the stream ended without RUN_FINISHED or RUN_ERROR");
  const answers = agent.messages.filter((m) => m.role === "assistant" && m.subagentRunId);
  const toolMessages = agent.messages.filter((m) => m.role === "tool").map((m) => m.toolCallId);
  return { ...seen, threadId: agent.threadId, state: agent.state, pending: agent.pendingInterrupts.map((i) => i.id), answers: answers.length,
           answerChars: answers.map((m) => m.content.length), toolMessages, warnings: warnings.splice(0) };
}

// A resolved resume entry whose payload is the schema's option called `title`: its constants, and `text` for each
// string it asks for. Fails when the schema does not describe what it requires.
function answer(interrupt, title, text) {
  const option = interrupt.responseSchema?.oneOf?.find((o) => o.title === title);
  if (!option) throw new Error(`interrupt ${interrupt.id} offers no "${title}" in its responseSchema`);
  const payload = {};
  for (const [key, property] of Object.entries(option.properties)) {
    if ("const" in property) payload[key] = property.const;
    else if (property.type === "string" && key in text) payload[key] = text[key];
  }
  const missing = (option.required ?? []).filter((key) => !(key in payload));
  if (missing.length) throw new Error(`no value for ${missing.join(", ")} of "${title}"`);
  return { interruptId: interrupt.id, status: "resolved", payload };
}

const scenarios = {
  async full() {
    return [await run(agent(`full-${Date.now()}`), { forwardedProps: { approvals: "none" } })];
  },
  async resume() {
    // Every answer is built from the interrupt's responseSchema alone, as a client that knows only the protocol would.
    const a = agent(`resume-${Date.now()}`);
    const segments = [await run(a, { forwardedProps: { approvals: "analyst" } })];
    const asked = a.pendingInterrupts[0];
    segments.push(await run(a, { resume: [answer(asked, "Request changes",
      { feedback: "Mention e-book readers as well." })] }));
    segments.push(await run(a, { resume: [answer(a.pendingInterrupts[0], "Approve", {})] }));
    return segments;
  },
  async reconnect() {
    // The first client goes away mid-answer; the run goes on, and a new client on the thread follows it to the end.
    const threadId = `reconnect-${Date.now()}`;
    const first = agent(threadId);
    const controller = new AbortController();
    let cut = false;
    await first.runAgent({ abortController: controller, forwardedProps: { approvals: "none" } }, {
      onTextMessageContentEvent: () => { if (!cut) { cut = true; controller.abort(); } },
    }).catch(() => {});
    if (!cut) throw new Error("the first client saw no text before the run ended");
    return [await run(new HttpAgent({ url: `${baseUrl}/agui`, threadId, headers }), {})];
  },
  async bad() {
    const a = new HttpAgent({ url: `${baseUrl}/agui`, threadId: `bad-${Date.now()}`, headers });
    try {
      await a.runAgent({});
    } catch (error) {
      return [{ rejected: { status: error.status, payload: error.payload } }];
    }
    throw new Error("a run without a brief was accepted");
  },
};

try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (error) {
  console.log(JSON.stringify({ failure: String(error?.message ?? error) }));
  process.exit(1);
}
