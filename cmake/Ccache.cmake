# Use ccache when it is installed: rebuilds on 2 cores are otherwise slow.
find_program(ILAB_CCACHE ccache)
if(ILAB_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ILAB_CCACHE})
endif()
