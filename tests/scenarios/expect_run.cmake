# Runs `ingress-lab run SCENARIO --quiet` and checks its exit code and that its output contains
# MATCH (the failing expectation's name, a diagnostic's code). Used by the broken-scenario tests:
#   cmake -DLAB=... -DSCENARIO=... -DEXIT=1 -DMATCH=... -P expect_run.cmake
execute_process(COMMAND "${LAB}" run "${SCENARIO}" --quiet
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXIT)
  message(FATAL_ERROR "exit code ${code}, expected ${EXIT}\n${out}\n${err}")
endif()
string(FIND "${out}${err}" "${MATCH}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the output does not mention \"${MATCH}\"\n${out}\n${err}")
endif()
message(STATUS "exit ${code}, mentions \"${MATCH}\"")
