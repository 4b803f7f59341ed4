#include "arrow_interop.h"

#include <cstdlib>

#include <arrow/array.h>
#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "errors.h"

namespace nb = nanobind;

namespace weir::python {
namespace {

template <typename T>
void ReleaseCapsule(PyObject* capsule, const char* name) {
  auto* value = static_cast<T*>(PyCapsule_GetPointer(capsule, name));
  if (value == nullptr) {
    PyErr_Clear();
    return;
  }
  if (value->release != nullptr) value->release(value);
  std::free(value);
}

void ReleaseSchema(PyObject* capsule) {
  ReleaseCapsule<ArrowSchema>(capsule, "arrow_schema");
}
void ReleaseArray(PyObject* capsule) {
  ReleaseCapsule<ArrowArray>(capsule, "arrow_array");
}
void ReleaseStream(PyObject* capsule) {
  ReleaseCapsule<ArrowArrayStream>(capsule, "arrow_array_stream");
}

template <typename T>
T* Allocate() {
  auto* value = static_cast<T*>(std::malloc(sizeof(T)));
  if (value == nullptr) throw std::bad_alloc();
  value->release = nullptr;
  return value;
}

nb::object Capsule(void* pointer, const char* name, PyCapsule_Destructor destructor) {
  PyObject* capsule = PyCapsule_New(pointer, name, destructor);
  if (capsule == nullptr) throw nb::python_error();
  return nb::steal(capsule);
}

template <typename T>
T* CapsulePointer(const nb::handle& capsule, const char* name) {
  auto* pointer = static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
  if (pointer == nullptr) throw nb::python_error();
  return pointer;
}

nb::object PyArrow() { return nb::module_::import_("pyarrow"); }

}  // namespace

nb::object ToPyArrow(const std::shared_ptr<arrow::Array>& array) {
  auto* c_schema = Allocate<ArrowSchema>();
  nb::object schema_capsule = Capsule(c_schema, "arrow_schema", ReleaseSchema);
  auto* c_array = Allocate<ArrowArray>();
  nb::object array_capsule = Capsule(c_array, "arrow_array", ReleaseArray);
  Check(arrow::ExportArray(*array, c_array, c_schema));
  return PyArrow().attr("Array").attr("_import_from_c_capsule")(schema_capsule,
                                                                array_capsule);
}

nb::object ToPyArrow(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto* c_schema = Allocate<ArrowSchema>();
  nb::object schema_capsule = Capsule(c_schema, "arrow_schema", ReleaseSchema);
  auto* c_array = Allocate<ArrowArray>();
  nb::object array_capsule = Capsule(c_array, "arrow_array", ReleaseArray);
  Check(arrow::ExportRecordBatch(*batch, c_array, c_schema));
  return PyArrow()
      .attr("RecordBatch")
      .attr("_import_from_c_capsule")(schema_capsule, array_capsule);
}

std::shared_ptr<arrow::RecordBatch> RecordBatchFrom(const nb::handle& object) {
  if (!nb::hasattr(object, "__arrow_c_array__")) {
    throw nb::type_error("expected an Arrow record batch (__arrow_c_array__)");
  }
  nb::tuple capsules = nb::cast<nb::tuple>(object.attr("__arrow_c_array__")());
  auto* c_schema = CapsulePointer<ArrowSchema>(capsules[0], "arrow_schema");
  auto* c_array = CapsulePointer<ArrowArray>(capsules[1], "arrow_array");
  return Unwrap(arrow::ImportRecordBatch(c_array, c_schema));
}

nb::object ToPyArrow(const std::shared_ptr<arrow::Schema>& schema) {
  auto* c_schema = Allocate<ArrowSchema>();
  nb::object capsule = Capsule(c_schema, "arrow_schema", ReleaseSchema);
  Check(arrow::ExportSchema(*schema, c_schema));
  return PyArrow().attr("Schema").attr("_import_from_c_capsule")(capsule);
}

nb::object StreamCapsule(std::shared_ptr<arrow::Table> table) {
  auto* stream = Allocate<ArrowArrayStream>();
  nb::object capsule = Capsule(stream, "arrow_array_stream", ReleaseStream);
  auto reader = std::make_shared<arrow::TableBatchReader>(std::move(table));
  Check(arrow::ExportRecordBatchReader(std::move(reader), stream));
  return capsule;
}

std::shared_ptr<arrow::Array> ArrayFrom(const nb::handle& object) {
  if (!nb::hasattr(object, "__arrow_c_array__")) {
    throw nb::type_error("expected an Arrow array (an object with __arrow_c_array__)");
  }
  nb::tuple capsules = nb::cast<nb::tuple>(object.attr("__arrow_c_array__")());
  auto* c_schema = CapsulePointer<ArrowSchema>(capsules[0], "arrow_schema");
  auto* c_array = CapsulePointer<ArrowArray>(capsules[1], "arrow_array");
  // Import moves the structs' contents (their release becomes null), so the
  // capsules' destructors then have nothing to release.
  return Unwrap(arrow::ImportArray(c_array, c_schema));
}

std::shared_ptr<arrow::Schema> SchemaFrom(const nb::handle& object) {
  if (!nb::hasattr(object, "__arrow_c_schema__")) {
    throw nb::type_error("expected an Arrow schema (an object with __arrow_c_schema__)");
  }
  nb::object capsule = object.attr("__arrow_c_schema__")();
  return Unwrap(
      arrow::ImportSchema(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

std::shared_ptr<arrow::DataType> TypeFrom(const nb::handle& object) {
  if (!nb::hasattr(object, "__arrow_c_schema__")) {
    throw nb::type_error("expected an Arrow type (an object with __arrow_c_schema__)");
  }
  nb::object capsule = object.attr("__arrow_c_schema__")();
  return Unwrap(arrow::ImportType(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

std::shared_ptr<arrow::Table> TableFrom(const nb::handle& object) {
  if (!nb::hasattr(object, "__arrow_c_stream__")) {
    throw nb::type_error(
        "expected Arrow data (an object with __arrow_c_stream__: a pyarrow Table or "
        "RecordBatchReader, a polars DataFrame, a DuckDB relation)");
  }
  nb::object capsule = object.attr("__arrow_c_stream__")();
  auto reader = Unwrap(arrow::ImportRecordBatchReader(
      CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream")));
  return Unwrap(reader->ToTable());
}

}  // namespace weir::python
