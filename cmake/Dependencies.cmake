# Every third-party dependency, found once. Debian 12 packages (packaging/install-deps.sh).
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
if(TARGET yaml-cpp::yaml-cpp)
  set(ILAB_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(ILAB_YAML_TARGET yaml-cpp) # yaml-cpp 0.7 names its target without a namespace
endif()
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS url)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# libxcrypt (libcrypt-dev): crypt_rn() for the htpasswd hashes nginx hands to crypt(3).
pkg_check_modules(LIBCRYPT REQUIRED IMPORTED_TARGET libcrypt)

# mimalloc takes malloc over in the executables (docs/dependencies.md): a reload builds and frees
# hundreds of thousands of small objects, where glibc's malloc spends a third of the time. Not
# with the sanitizers, which need their own malloc.
option(ILAB_MIMALLOC "Link the executables with mimalloc instead of glibc's malloc" ON)
if(ILAB_MIMALLOC AND NOT ILAB_SANITIZE)
  find_package(mimalloc 2.0 REQUIRED)
endif()
function(ilab_use_fast_malloc target)
  if(TARGET mimalloc)
    target_link_libraries(${target} PRIVATE mimalloc)
  endif()
endfunction()

if(ILAB_BUILD_STUDIO)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets PrintSupport)
  find_package(QCustomPlotQt6 CONFIG REQUIRED)
  # QScintilla (Debian's libqscintilla2-qt6-dev) ships no CMake config: find it by hand.
  find_path(QSCINTILLA_INCLUDE_DIR Qsci/qsciscintilla.h PATH_SUFFIXES qt6 x86_64-linux-gnu/qt6 REQUIRED)
  find_library(QSCINTILLA_LIBRARY NAMES qscintilla2_qt6 REQUIRED)
  add_library(QScintilla::Qt6 UNKNOWN IMPORTED)
  set_target_properties(QScintilla::Qt6 PROPERTIES
    IMPORTED_LOCATION ${QSCINTILLA_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${QSCINTILLA_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::PrintSupport")
endif()
if(ILAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(ILAB_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
