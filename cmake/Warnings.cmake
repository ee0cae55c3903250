# Project-wide warning and sanitizer flags, applied through ilab_set_target_options().
add_library(ilab_options INTERFACE)
add_library(ilab::options ALIAS ilab_options)
target_compile_options(ilab_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
if(ILAB_WERROR)
  # GCC 12's -Wrestrict misfires inside std::string concatenation (GCC bug 105651): keep it a
  # warning, not an error.
  target_compile_options(ilab_options INTERFACE -Werror -Wno-error=restrict)
endif()
if(ILAB_SANITIZE)
  target_compile_options(ilab_options INTERFACE -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(ilab_options INTERFACE -fsanitize=address,undefined)
endif()
# Debug info is huge with Beast; -g1 keeps backtraces usable at half the size.
if(CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
  string(REPLACE "-g" "-g1" CMAKE_CXX_FLAGS_RELWITHDEBINFO "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
endif()
