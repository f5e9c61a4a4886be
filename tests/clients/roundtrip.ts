// The round trip of test_generated_clients.py, through the client generated from the live document:
// register two volunteers, log in, create an event, find it in the list, join it with no body, read "my events".
// `API_URL` names the server; `generated/schema.d.ts` is written by `openapi-typescript` before this is compiled.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/schema.js";

type EventWrite = components["schemas"]["EventWrite"];

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const baseUrl = requiredEnv("API_URL");
const password = "Reflorestar-2026!";
const suffix = Date.now().toString(36);

// openapi-fetch answers `{data}` for a documented success and `{error}` (here a Problem) otherwise.
function expectData<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) {
    throw new Error(`${what}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(what);
  }
}

const anonymous = createClient<paths>({ baseUrl });

async function volunteer(username: string) {
  const email = `${username}@example.org`;
  const user = expectData(
    await anonymous.POST("/api/users/register", {
      body: { username, email, password, password_confirm: password },
    }),
    `register ${username}`,
  );
  check(user.username === username, `registered as ${user.username}`);
  const pair = expectData(await anonymous.POST("/api/token", { body: { email, password } }), `log in ${username}`);
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${pair.access}` } });
}

const organizer = await volunteer(`ana_${suffix}`);
const participant = await volunteer(`bruno_${suffix}`);

const start = new Date(Date.now() + 10 * 24 * 3600 * 1000);
const event: EventWrite = {
  title: "Plantio de mudas no Parque do Carmo",
  description: "Mudas nativas da Mata Atlântica.",
  category: 2,
  address: "Parque do Carmo",
  latitude: -23.5742,
  longitude: -46.4735,
  city: "São Paulo",
  state: "SP",
  start_date: start.toISOString(),
  end_date: new Date(start.getTime() + 4 * 3600 * 1000).toISOString(),
  registration_deadline: new Date(start.getTime() - 24 * 3600 * 1000).toISOString(),
  max_participants: 30,
  status: "published",
};
const created = expectData(await organizer.POST("/api/events", { body: event }), "create the event");
check(Number.isInteger(created.id) && created.id > 0, `event id ${created.id}`);

const page = expectData(await anonymous.GET("/api/events", { params: { query: { page_size: 100 } } }), "list events");
check(
  page.results.some((listed) => listed.id === created.id),
  `event ${created.id} is not listed`,
);

const joined = expectData(
  await participant.POST("/api/events/{event_id}/join", { params: { path: { event_id: created.id } } }),
  "join with no body",
);
check(joined.event === created.id && joined.status === "confirmed", `joined as ${JSON.stringify(joined)}`);

const mine = expectData(await participant.GET("/api/events/my_events"), "my events");
check(
  mine.participating.some((listed) => listed.id === created.id) && mine.organized.length === 0,
  `my events: ${JSON.stringify(mine)}`,
);
const theirs = expectData(await organizer.GET("/api/events/my_events"), "the organizer's events");
check(
  theirs.organized.some((listed) => listed.id === created.id),
  `the organizer's events: ${JSON.stringify(theirs)}`,
);

console.log(`round trip ok: event ${created.id}`);
