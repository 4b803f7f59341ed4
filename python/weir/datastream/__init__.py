"""The DataStream API (PyFlink's pyflink.datastream).

Jobs of Python functions over records: from_collection/from_arrow, map, flat_map,
filter, key_by, reduce and rolling sum/min/max, event time
(assign_timestamps_and_watermarks) with tumbling and sliding event-time windows
(reduce, aggregate, process), KeyedProcessFunction with Value/List/Map state and
event-time timers, union, print, execute_and_collect. The environment's
settings (parallelism, runtime mode, checkpointing, restart strategy) also configure
a StreamTableEnvironment made from it. Connectors as PyFlink spells them are in
weir.datastream.connectors (FileSource, FileSink, KafkaSource, KafkaSink) with
env.from_source and DataStream.sink_to; session windows, processing-time windows
and timers, side outputs (OutputTag, ctx.output, get_side_output, late window
data), connect (CoMap, CoFlatMap, KeyedCoProcessFunction).
"""

from weir.common.typeinfo import Types
from weir.datastream.connected_streams import (CoFlatMapFunction, CoMapFunction,
                                               CoProcessFunction, ConnectedStreams,
                                               KeyedCoProcessFunction)
from weir.datastream.data_stream import DataStream, KeyedStream
from weir.datastream.functions import (FilterFunction, FlatMapFunction,
                                       KeyedProcessFunction, KeySelector, MapFunction,
                                       OutputTag, ProcessFunction, ReduceFunction,
                                       RuntimeContext, TimerService)
from weir.datastream.state import (ListState, ListStateDescriptor, MapState,
                                   MapStateDescriptor, ValueState, ValueStateDescriptor)
from weir.datastream.window import (AggregateFunction, EventTimeSessionWindows,
                                    ProcessWindowFunction, SlidingEventTimeWindows,
                                    SlidingProcessingTimeWindows, TimeWindow,
                                    TumblingEventTimeWindows, TumblingProcessingTimeWindows,
                                    WindowedStream)

from weir.datastream.stream_execution_environment import (CheckpointConfig,
                                                          CheckpointingMode,
                                                          JobExecutionResult,
                                                          RestartStrategies,
                                                          RuntimeExecutionMode,
                                                          StreamExecutionEnvironment)

__all__ = ["CoFlatMapFunction", "CoMapFunction", "CoProcessFunction", "ConnectedStreams",
           "KeyedCoProcessFunction", "KeyedProcessFunction", "TimerService", "ListState", "ListStateDescriptor",
           "MapState", "MapStateDescriptor", "ValueState", "ValueStateDescriptor",
           "AggregateFunction", "EventTimeSessionWindows", "ProcessWindowFunction",
           "SlidingEventTimeWindows", "SlidingProcessingTimeWindows", "TimeWindow",
           "TumblingEventTimeWindows", "TumblingProcessingTimeWindows", "WindowedStream",
           "CheckpointConfig", "CheckpointingMode", "DataStream", "FilterFunction",
           "FlatMapFunction", "JobExecutionResult", "KeySelector", "KeyedStream",
           "MapFunction", "OutputTag", "ProcessFunction", "ReduceFunction", "RestartStrategies", "RuntimeContext",
           "RuntimeExecutionMode", "StreamExecutionEnvironment", "Types"]
