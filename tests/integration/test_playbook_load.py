"""Load: 200 runs from one playbook, a loop and 20 hosts with forks, while the
server answers 10 % of requests with 503 (half of them after doing the work)."""

from __future__ import annotations

from collections import Counter

import pytest

RUNS_PER_LOOP = 100
HOSTS = 20
RUNS_PER_HOST = 5


# Ten forks draw the random faults in a racing order, so which task saw a 503
# (and warned) differs from run to run: both modes keep the invariants below.
@pytest.mark.modes_may_differ
def test_200_runs_under_503s_exactly_once_each(ansible, server, tmp_path):
    assistant = server.store.create_assistant({"model": "m"})
    threads = [server.store.create_thread({})["id"] for _index in range(RUNS_PER_LOOP + HOSTS * RUNS_PER_HOST)]
    # Runs end as soon as they start, so a second POST for a thread would succeed:
    # only the module's duplicate protection stands between a lost answer and a doubled run.
    server.routes.complete_on_create = True
    server.faults.chaos(status=503, probability=0.10, after_share=0.5, retry_after_ms="50", seed=7)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[load]\n" + "".join(f"load{i:02d} ansible_connection=local\n" for i in range(HOSTS)))
    start = {
        "seed.openai.openai_thread_run": {
            "thread": "{{ item }}",
            "assistant": assistant["id"],
            "max_retry_count": 6,
            "metadata": {"load": "yes"},
        }
    }
    loop_play = {
        "name": "Loop",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [dict(start, name="Loop run", loop=threads[:RUNS_PER_LOOP])],
    }
    hosts_play = {
        "name": "Hosts",
        "hosts": "load",
        "gather_facts": False,
        "serial": HOSTS,
        "vars": {
            "mine": "{{ all_threads[groups['load'].index(inventory_hostname) * "
            f"{RUNS_PER_HOST}:][:{RUNS_PER_HOST}] }}}}",
            "all_threads": threads[RUNS_PER_LOOP:],
        },
        "tasks": [dict(start, name="Host run", loop="{{ mine }}")],
    }
    outcome = ansible.run_plays([loop_play, hosts_play], "-i", str(inventory), "--forks", "10")

    assert outcome.rc == 0, outcome.stdout[-3000:]
    per_thread = Counter(run["thread_id"] for run in server.store.all_runs())
    assert len(per_thread) == 200 and set(per_thread.values()) == {1}
    assert set(per_thread) == set(threads)
    chaos = [r for r in server.requests if r.get("chaos")]
    assert len(chaos) >= 10, "the fault injection did not happen"
    posts = [r for r in server.requests if r["method"] == "POST"]
    assert len(posts) > 200


# Racing forks again: which task met which 503 differs from run to run.
@pytest.mark.modes_may_differ
def test_20_hosts_3_threads_through_30_percent_503s_make_exactly_60_runs(ansible, server, tmp_path):
    hosts, per_host = 20, 3
    assistant = server.store.create_assistant({"model": "m"})
    threads = [server.store.create_thread({})["id"] for _index in range(hosts * per_host)]
    server.routes.complete_on_create = True
    # 30 % of all answers are 503s; half of those come after the server did the work.
    server.faults.chaos(status=503, probability=0.30, after_share=0.5, retry_after_ms="20", seed=11)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[load]\n" + "".join(f"load{i:02d} ansible_connection=local\n" for i in range(hosts)))
    play = {
        "name": "Hosts",
        "hosts": "load",
        "gather_facts": False,
        "vars": {
            "mine": f"{{{{ all_threads[groups['load'].index(inventory_hostname) * {per_host}:][:{per_host}] }}}}",
            "all_threads": threads,
        },
        "tasks": [
            {
                "name": "Host run",
                "seed.openai.openai_thread_run": {
                    "thread": "{{ item }}",
                    "assistant": assistant["id"],
                    "max_retry_count": 12,
                },
                "loop": "{{ mine }}",
            }
        ],
    }
    outcome = ansible.run_plays([play], "-i", str(inventory), "--forks", "10")

    assert outcome.rc == 0, outcome.stdout[-3000:]
    per_thread = Counter(run["thread_id"] for run in server.store.all_runs())
    assert sum(per_thread.values()) == 60 and set(per_thread) == set(threads)
    after_the_work = [r for r in server.requests if r.get("chaos") and r["method"] == "POST"]
    assert after_the_work, "the fault injection did not happen"
