"""The DataStream API (PyFlink's pyflink.datastream).

Today this module holds the execution environment, whose settings (parallelism,
runtime mode, checkpointing, restart strategy) a StreamTableEnvironment made from it
uses. DataStream transformations from Python are not available yet.
"""

from weir.datastream.stream_execution_environment import (CheckpointConfig,
                                                          CheckpointingMode,
                                                          RestartStrategies,
                                                          RuntimeExecutionMode,
                                                          StreamExecutionEnvironment)

__all__ = ["CheckpointConfig", "CheckpointingMode", "RestartStrategies",
           "RuntimeExecutionMode", "StreamExecutionEnvironment"]
