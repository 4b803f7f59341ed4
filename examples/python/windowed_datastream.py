"""A windowed DataStream job with Python functions: clicks per user per minute.

    python examples/python/windowed_datastream.py

Parses click events (JSON strings) with a Python map, gives them event time from
their own timestamps with a watermark 5 s behind, counts clicks and sums the time
spent per user in tumbling 1-minute event-time windows, and prints one line per
user and minute.
"""

import json

# weir first: it picks the allocator Arrow uses (docs/python.md).
from weir.common import Duration, Types, WatermarkStrategy
from weir.datastream import StreamExecutionEnvironment
from weir.datastream.window import ProcessWindowFunction, TumblingEventTimeWindows

CLICK = Types.ROW_NAMED(["user", "ts", "seconds"], [Types.STRING(), Types.LONG(), Types.INT()])


class PerMinute(ProcessWindowFunction):
    def process(self, key, context, elements):
        clicks = list(elements)
        minute = context.window().start // 60_000
        yield (f"user={key} minute={minute} clicks={len(clicks)} "
               f"seconds={sum(c.seconds for c in clicks)}")


def sample_events():
    start = 1_700_000_000_000  # epoch ms
    for i in range(600):
        # every 0.5 s, three users, a little out of order
        ts = start + i * 500 - (2000 if i % 7 == 0 else 0)
        yield json.dumps({"user": f"u{i % 3}", "ts": ts, "seconds": i % 11})


def main() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    raw = env.from_collection(list(sample_events()), Types.STRING())
    clicks = raw.map(lambda line: _click(json.loads(line)), CLICK)
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(5))
                .with_timestamp_assigner(lambda click, _: click.ts))
    (clicks.assign_timestamps_and_watermarks(strategy)
           .key_by(lambda click: click.user)
           .window(TumblingEventTimeWindows.of(Duration.of_minutes(1)))
           .process(PerMinute(), Types.STRING())
           .print())
    env.execute("clicks per user and minute")


def _click(event):
    from weir.common import Row
    return Row(user=event["user"], ts=event["ts"], seconds=event["seconds"])


if __name__ == "__main__":
    main()
