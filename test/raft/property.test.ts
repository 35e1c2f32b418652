import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrProposalDropped, StateType } from '../../src/raft/index.js';
import { Network, seededRandom } from './network.js';

const ids5 = [1n, 2n, 3n, 4n, 5n];
const STEPS = 300;

function pick<T>(rand: () => number, xs: T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

/**
 * Random faults, fixed seeds: the network itself asserts one leader per term
 * and that an index is applied with the same entry everywhere; here we also
 * check that a node's committed prefix never changes, and that the cluster
 * recovers once healed.
 */
for (const [seed, preVote, checkQuorum] of [
  [1, false, false],
  [2, true, false],
  [3, true, true],
  [4, false, true],
] as const) {
  test(`random partitions and drops (seed ${seed}, preVote=${preVote}, checkQuorum=${checkQuorum}): Raft stays safe`, () => {
    const net = new Network(ids5, { preVote, checkQuorum }, seed);
    const rand = seededRandom(seed * 1000 + 7);
    const committedTerm = new Map<string, number>(); // `${id}:${index}` → term
    let proposals = 0;

    const checkCommittedStable = (): void => {
      for (const id of ids5) {
        const n = net.get(id);
        const commit = n.node.status().commit;
        const first = n.storage.firstIndex();
        for (let i = first; i <= Math.min(commit, n.storage.lastIndex()); i++) {
          const t = n.storage.term(i);
          // Across nodes too: a committed index has one term cluster-wide.
          const key = `${i}`;
          const seen = committedTerm.get(key);
          if (seen === undefined) committedTerm.set(key, t);
          else assert.equal(t, seen, `node ${id}: committed entry ${i} changed term ${seen} -> ${t}`);
        }
      }
    };

    let calmUntil = 0; // a fault holds for a while, long enough to matter for elections
    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      if (r < 0.6 || step < calmUntil) {
        if (r < 0.3) {
          try {
            net.propose(pick(rand, ids5), `p${proposals++}`);
          } catch (err) {
            if (err !== ErrProposalDropped) throw err;
          }
        } else {
          net.tickAll(1 + Math.floor(rand() * 2));
        }
        checkCommittedStable();
        continue;
      }
      calmUntil = step + 10 + Math.floor(rand() * 10);
      net.heal();
      if (r < 0.7) {
        const shuffled = [...ids5].sort(() => rand() - 0.5);
        const cut = 1 + Math.floor(rand() * 4);
        net.partition(shuffled.slice(0, cut), shuffled.slice(cut));
      } else if (r < 0.8) {
        net.setDropRate(0.3);
      } else if (r < 0.9) {
        net.isolate(net.leader() ?? pick(rand, ids5));
      }
      checkCommittedStable();
    }

    // Liveness once healed: one leader, and a new proposal reaches everyone.
    net.heal();
    net.tickAll(60);
    const leader = net.leader();
    assert.notEqual(leader, undefined);
    assert.equal(ids5.filter((id) => net.get(id).node.status().raftState === StateType.Leader).length, 1);
    net.propose(leader!, 'final');
    net.tickAll(3);
    checkCommittedStable();
    const reference = net.get(leader!).applied.map((e) => `${e.index}@${e.term}`);
    for (const id of ids5) {
      assert.equal(net.appliedData(id).at(-1), 'final', `node ${id}`);
      assert.deepEqual(net.get(id).applied.map((e) => `${e.index}@${e.term}`), reference, `applied sequence of ${id}`);
    }
    assert.ok(net.leaders.size >= 3, `the run exercised several terms (${net.leaders.size})`);
    assert.ok(proposals > 30);
  });
}
