"""FileSource and FileSink (PyFlink's pyflink.datastream.connectors.file_system):
Parquet files read into a stream and written exactly once, in buckets."""

from __future__ import annotations

from typing import Any, Dict, Optional

from weir.common.time import Duration


def _ms(duration: Any) -> int:
    return duration.to_milliseconds() if isinstance(duration, Duration) else int(duration)


class FileSource:
    """Reads the files under a path (recursively) as a stream; bounded unless
    monitor_continuously() is set."""

    def __init__(self, stream_format: Any, path: str, monitor_ms: Optional[int]) -> None:
        self._format, self._path, self._monitor = stream_format, path, monitor_ms

    @staticmethod
    def for_bulk_file_format(bulk_format: Any, *paths: str) -> "FileSourceBuilder":
        """Files in a bulk format: ``ParquetColumnarRowInputFormat(row_type)``."""
        return FileSourceBuilder(bulk_format, paths)

    @staticmethod
    def for_record_stream_format(stream_format: Any, *paths: str) -> "FileSourceBuilder":
        """Files of records: ``StreamFormat.text_line_format()`` reads each line as
        a string."""
        return FileSourceBuilder(stream_format, paths)

    def _table(self) -> tuple:
        if not hasattr(self._format, "_record_type"):
            raise NotImplementedError(
                f"FileSource with {type(self._format).__name__} is not supported yet; use "
                "ParquetColumnarRowInputFormat, or a filesystem table (csv, json) with "
                "StreamTableEnvironment.to_data_stream")
        options: Dict[str, str] = {"connector": "filesystem", "path": self._path}
        options.update(self._format._format())
        if self._monitor is not None:
            options["source.monitor-interval"] = f"{self._monitor} ms"
        return self._format._record_type(), options


class StreamFormat:
    """Record formats of FileSource.for_record_stream_format."""

    def __init__(self) -> None:
        pass

    @staticmethod
    def text_line_format(charset_name: str = "UTF-8") -> "StreamFormat":
        """Each line (without its newline) is a record of type STRING."""
        if charset_name.upper().replace("-", "") != "UTF8":
            raise ValueError(f"text_line_format supports UTF-8 only, not {charset_name!r}")
        return StreamFormat()

    def _format(self) -> dict:
        return {"format": "raw"}

    def _record_type(self) -> Any:
        from weir.common.typeinfo import Types
        return Types.STRING()


class FileSourceBuilder:
    """Builds a FileSource."""

    def __init__(self, stream_format: Any, paths: tuple) -> None:
        if len(paths) != 1:
            raise NotImplementedError("FileSource reads one path (a file or a directory), "
                                      f"got {len(paths)}")
        self._format, self._path = stream_format, str(paths[0])
        self._monitor: Optional[int] = None

    def monitor_continuously(self, discovery_interval: Any) -> "FileSourceBuilder":
        """Keeps watching the path for new files (an unbounded stream)."""
        self._monitor = _ms(discovery_interval)
        return self

    def process_static_file_set(self) -> "FileSourceBuilder":
        """Reads the files there now, then ends (the default)."""
        self._monitor = None
        return self

    def build(self) -> FileSource:
        return FileSource(self._format, self._path, self._monitor)


class BucketAssigner:
    """Which directory under the sink's path a record goes to."""

    def __init__(self, options: Dict[str, str]) -> None:
        self._options = options

    @staticmethod
    def base_path_bucket_assigner() -> "BucketAssigner":
        """Every record in the sink's path itself."""
        return BucketAssigner({"sink.bucket-assigner": "base-path"})

    @staticmethod
    def date_time_bucket_assigner(format_str: str = "yyyy-MM-dd--HH",
                                  timezone_id: Optional[str] = None) -> "BucketAssigner":
        """A directory per processing-time period, named by `format_str`
        (Java date pattern) in `timezone_id` (default UTC)."""
        options = {"sink.bucket-assigner": "date-time",
                   "sink.bucket-assigner.date-time.format": format_str}
        if timezone_id:
            options["sink.bucket-assigner.date-time.time-zone"] = timezone_id
        return BucketAssigner(options)


class RollingPolicy:
    """When a part file is closed and a new one started."""

    def __init__(self, options: Dict[str, str]) -> None:
        self._options = options

    @staticmethod
    def default_rolling_policy(part_size: int = 1024 * 1024 * 128,
                               rollover_interval: int = 60 * 1000,
                               inactivity_interval: int = 60 * 1000) -> "RollingPolicy":
        """By size, age and inactivity (bytes, milliseconds), and at checkpoints."""
        return RollingPolicy({"sink.rolling-policy.file-size": f"{part_size} b",
                              "sink.rolling-policy.rollover-interval": f"{rollover_interval} ms",
                              "sink.rolling-policy.inactivity-interval":
                                  f"{inactivity_interval} ms"})

    @staticmethod
    def on_checkpoint_rolling_policy() -> "RollingPolicy":
        """A new part file after every checkpoint (bulk formats' policy)."""
        return RollingPolicy({"sink.rolling-policy.on-checkpoint": "true"})


class OutputFileConfig:
    """Part file names: ``<prefix>-<uuid>-<subtask>-<counter><suffix>``."""

    def __init__(self, prefix: str, suffix: str) -> None:
        self._prefix, self._suffix = prefix, suffix

    @staticmethod
    def builder() -> "OutputFileConfig.Builder":
        return OutputFileConfig.Builder()

    class Builder:
        def __init__(self) -> None:
            self._prefix, self._suffix = "part", ""

        def with_part_prefix(self, prefix: str) -> "OutputFileConfig.Builder":
            self._prefix = prefix
            return self

        def with_part_suffix(self, suffix: str) -> "OutputFileConfig.Builder":
            self._suffix = suffix
            return self

        def build(self) -> "OutputFileConfig":
            return OutputFileConfig(self._prefix, self._suffix)


class FileSink:
    """Writes a stream into part files under a path, exactly once with
    checkpointing (files become visible when the checkpoint covering them
    completes)."""

    def __init__(self, path: str, writer: Any, options: Dict[str, str],
                 row_format: bool = False) -> None:
        self._path, self._writer, self._options = path, writer, options
        self._row_format = row_format

    @staticmethod
    def for_bulk_format(base_path: str, writer_factory: Any) -> "FileSinkBuilder":
        """Part files in a bulk format: ``ParquetBulkWriters.for_row_type(row_type)``."""
        return FileSinkBuilder(str(base_path), writer_factory)

    @staticmethod
    def for_row_format(base_path: str, encoder: Any) -> "FileSinkBuilder":
        """Part files of text lines: ``Encoder.simple_string_encoder()`` writes
        str(record) per line."""
        return FileSinkBuilder(str(base_path), encoder, row_format=True)

    def _table(self) -> Dict[str, str]:
        options = {"connector": "filesystem", "path": self._path}
        options.update(self._writer._format())
        options.update(self._options)
        return options


class FileSinkBuilder:
    """Builds a FileSink."""

    def __init__(self, path: str, writer: Any, row_format: bool = False) -> None:
        if not hasattr(writer, "_format"):
            raise TypeError("FileSink takes ParquetBulkWriters.for_row_type(...) or "
                            f"Encoder.simple_string_encoder(), not {writer!r}")
        self._path, self._writer, self._row_format = path, writer, row_format
        self._options: Dict[str, str] = {}
        if row_format:
            self._options["sink.output-file.part-suffix"] = ""  # Flink's default

    def with_bucket_assigner(self, assigner: BucketAssigner) -> "FileSinkBuilder":
        self._options.update(assigner._options)
        return self

    def with_rolling_policy(self, policy: RollingPolicy) -> "FileSinkBuilder":
        self._options.update(policy._options)
        return self

    def with_output_file_config(self, config: OutputFileConfig) -> "FileSinkBuilder":
        self._options["sink.output-file.part-prefix"] = config._prefix
        self._options["sink.output-file.part-suffix"] = config._suffix
        return self

    def with_bucket_check_interval(self, interval: int) -> "FileSinkBuilder":
        self._options["sink.rolling-policy.check-interval"] = f"{int(interval)} ms"
        return self

    def build(self) -> FileSink:
        return FileSink(self._path, self._writer, dict(self._options), self._row_format)


__all__ = ["FileSource", "FileSourceBuilder", "FileSink", "FileSinkBuilder", "StreamFormat",
           "BucketAssigner", "RollingPolicy", "OutputFileConfig"]
