# Included by check.cmake once the consumer passed: docs/extending.md's "In your own project", built
# as a user would type it. Every fenced code block of the page whose first line is `// file: NAME`
# or `# file: NAME` is written to <work>/extending/src/NAME; that project is then configured against
# the installed prefix, built, and its GoogleTest tests run. The page is the only source, so the
# page and what works cannot drift apart. EXTENDING_MD overrides the page's path.
cmake_policy(VERSION 3.22)  # script mode sets no policies: IN_LIST, while(TRUE)
if(NOT EXTENDING_MD)
  get_filename_component(EXTENDING_MD ${CONSUMER_DIR}/../../docs/extending.md ABSOLUTE)
endif()
set(extending_src ${work}/extending/src)
set(extending_build ${work}/extending/build)
file(READ ${EXTENDING_MD} text)  # a plain string, never a list: C++ is full of semicolons

# Walk the page fence by fence with FIND and SUBSTRING only (no regex lists).
set(fence "```")
set(written "")
while(TRUE)
  string(FIND "${text}" "\n${fence}" open)
  if(open EQUAL -1)
    break()
  endif()
  math(EXPR open "${open} + 4")
  string(SUBSTRING "${text}" ${open} -1 text)       # from just after the opening ```
  string(FIND "${text}" "\n" eol)
  math(EXPR eol "${eol} + 1")
  string(SUBSTRING "${text}" ${eol} -1 text)        # the block's first line onwards
  string(FIND "${text}" "\n${fence}" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "extending.cmake: ${EXTENDING_MD}: a code block is not closed")
  endif()
  math(EXPR close "${close} + 1")
  string(SUBSTRING "${text}" 0 ${close} block)
  math(EXPR after "${close} + 3")
  string(SUBSTRING "${text}" ${after} -1 text)      # past the closing ```
  if(block MATCHES "^(//|#) file: ([A-Za-z0-9_./-]+)\n")
    set(name ${CMAKE_MATCH_2})
    file(WRITE ${extending_src}/${name} "${block}")
    list(APPEND written ${name})
  endif()
endwhile()
list(LENGTH written count)
if(count LESS 2 OR NOT "CMakeLists.txt" IN_LIST written)
  message(FATAL_ERROR "extending.cmake: ${EXTENDING_MD} has no project to build: want a `# file: CMakeLists.txt` "
                      "block and its sources, found: ${written}")
endif()
message(STATUS "extending.md: wrote ${written}")

step("configure extending.md's project" ${CMAKE_COMMAND} -S ${extending_src} -B ${extending_build}
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${xgrad_CMAKE_CXX_COMPILER}
     -DCMAKE_BUILD_TYPE=${xgrad_CMAKE_BUILD_TYPE})
step("build extending.md's project" ${CMAKE_COMMAND} --build ${extending_build})
step("test extending.md's project" ${CMAKE_CTEST_COMMAND} --test-dir ${extending_build} --output-on-failure)
message(STATUS "${step_output}")
