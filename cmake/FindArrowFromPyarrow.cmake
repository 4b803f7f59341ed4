# Locates Arrow C++ for weir. A system Arrow (find_package(Arrow)) wins when present;
# otherwise the headers and shared libraries carried by the pinned pyarrow wheel in the
# project venv are wrapped as IMPORTED targets (the wheel ships no CMake config).
# Defines weir::arrow, weir::parquet, weir::arrow_compute, weir::arrow_dataset,
# weir::arrow_acero, and WEIR_ARROW_RPATH (directory to embed as rpath, may be empty).

# A Python wheel build (scikit-build-core) links the pyarrow of the Python it builds
# for, whose Arrow the module shares at run time.
if(SKBUILD)
  set(WEIR_FORCE_PYARROW ON)
  set(WEIR_PYTHON "${Python_EXECUTABLE}" CACHE FILEPATH "Python with pyarrow")
endif()
find_package(Arrow CONFIG QUIET)
find_package(Parquet CONFIG QUIET)
if(Arrow_FOUND AND Parquet_FOUND AND NOT WEIR_FORCE_PYARROW)
  find_package(ArrowCompute CONFIG QUIET)
  find_package(ArrowDataset CONFIG QUIET)
  find_package(ArrowAcero CONFIG QUIET)
  message(STATUS "weir: using system Arrow ${Arrow_VERSION}")
  add_library(weir::arrow ALIAS Arrow::arrow_shared)
  add_library(weir::parquet ALIAS Parquet::parquet_shared)
  if(TARGET ArrowCompute::arrow_compute_shared)
    add_library(weir::arrow_compute ALIAS ArrowCompute::arrow_compute_shared)
  else()
    add_library(weir::arrow_compute ALIAS Arrow::arrow_shared)
  endif()
  add_library(weir::arrow_dataset ALIAS ArrowDataset::arrow_dataset_shared)
  add_library(weir::arrow_acero ALIAS ArrowAcero::arrow_acero_shared)
  set(WEIR_ARROW_RPATH "")
  return()
endif()

set(WEIR_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH "Python with pyarrow")
execute_process(
  COMMAND "${WEIR_PYTHON}" -c "import pyarrow as pa; print(pa.get_include()); print(pa.get_library_dirs()[0]); print(pa.cpp_build_info.so_version)"
  OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pa_rc EQUAL 0)
  message(FATAL_ERROR "weir: no system Arrow and no pyarrow in ${WEIR_PYTHON}; run scripts/setup.sh")
endif()
string(REPLACE "\n" ";" _pa_lines "${_pa_out}")
list(GET _pa_lines 0 WEIR_ARROW_INCLUDE)
list(GET _pa_lines 1 WEIR_ARROW_LIBDIR)
list(GET _pa_lines 2 _pa_so)
message(STATUS "weir: using Arrow C++ from pyarrow in ${WEIR_ARROW_LIBDIR} (so ${_pa_so})")
set(WEIR_ARROW_RPATH "${WEIR_ARROW_LIBDIR}")

function(_weir_arrow_lib name file)
  set(path "${WEIR_ARROW_LIBDIR}/${file}.so.${_pa_so}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "weir: missing ${path}")
  endif()
  add_library(weir::${name} SHARED IMPORTED GLOBAL)
  set_target_properties(weir::${name} PROPERTIES
    IMPORTED_LOCATION "${path}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${WEIR_ARROW_INCLUDE}")
endfunction()
_weir_arrow_lib(arrow libarrow)
_weir_arrow_lib(arrow_compute libarrow_compute)
_weir_arrow_lib(parquet libparquet)
_weir_arrow_lib(arrow_acero libarrow_acero)
_weir_arrow_lib(arrow_dataset libarrow_dataset)
