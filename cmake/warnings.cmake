# Warning flags applied to every edgeq target through edgeq_set_warnings().
function(edgeq_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
                                           -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(EDGEQ_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(EDGEQ_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

# edgeq_module(name SOURCES ... DEPS ...): one library per module, headers under include/edgeq/<name>/.
function(edgeq_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(edgeq_${name} ${M_SOURCES})
  target_include_directories(edgeq_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(edgeq_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  edgeq_set_warnings(edgeq_${name})
endfunction()

# edgeq_embed_text(target NAMESPACE ns NAME fn FILES ...): adds a generated source to `target` that
# defines `ns::fn()` returning {file name, contents} of FILES (rebuilt when a file changes).
function(edgeq_embed_text target)
  cmake_parse_arguments(E "" "NAMESPACE;NAME" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${E_NAME}_embedded.cpp)
  string(REPLACE ";" "|" files "${E_FILES}")
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${E_NAMESPACE} -DNAME=${E_NAME} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
