// The demo forge's admin API (the simulator inside the server under test): create repositories,
// inject faults, and read what the forge itself lists.
import { APIRequestContext, expect } from "@playwright/test";

export const simUrl = `http://127.0.0.1:${process.env.E2E_SIM_PORT}`;

/** The demo account's forge token (the simulator's first user). */
const forgeToken = "sim-octocat-1";

export async function createRepo(request: APIRequestContext, owner: string, name: string, role = "admin") {
  const response = await request.post(`${simUrl}/_sim/repos`, {
    data: { owner, name, private: false, access: { octocat: role } },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).id as number;
}

export async function setFaults(request: APIRequestContext, faults: Record<string, unknown>) {
  const response = await request.put(`${simUrl}/_sim/faults`, { data: faults });
  expect(response.ok()).toBeTruthy();
}

/** Every repository the forge lists for octocat, as GitHub's API answers it. */
export async function forgeRepos(request: APIRequestContext): Promise<{ full_name: string; archived: boolean }[]> {
  const all = [];
  for (let page = 1; ; page++) {
    const response = await request.get(`${simUrl}/user/repos?per_page=100&page=${page}`, {
      headers: { authorization: `Bearer ${forgeToken}` },
    });
    expect(response.ok()).toBeTruthy();
    const repos = await response.json();
    all.push(...repos);
    if (repos.length < 100) return all;
  }
}
