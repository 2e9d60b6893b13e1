# What `cmake --install` puts where, and the Debian package that `cpack`
# (in the build folder) makes of it: parley_<version>_<arch>.deb. Included by
# the top CMakeLists.txt. The files of the package are beside this one;
# tests/package checks the result.
#
# The unit and the configuration go to absolute paths (/lib/systemd/system,
# /etc/parley) whatever the prefix; the rest follows the prefix (/usr in the
# package). An installed parley finds its web UI at
# <bindir>/../share/parley/web (src/app/install_paths.hpp).
include(GNUInstallDirs)

set(PARLEY_PACKAGE_DIR ${PROJECT_SOURCE_DIR}/deploy/debian)

install(TARGETS parley RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/web)
install(FILES ${PARLEY_PACKAGE_DIR}/parley.service DESTINATION /lib/systemd/system)
install(FILES ${PARLEY_PACKAGE_DIR}/parley.toml DESTINATION /etc/parley)
install(FILES ${PARLEY_PACKAGE_DIR}/copyright ${PARLEY_PACKAGE_DIR}/README.Debian
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PARLEY_PACKAGE_DIR}/nginx-site.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# parley(1): the version filled in, gzipped without a timestamp (-n) so that
# two builds of one source give the same bytes.
set(PARLEY_MAN_PAGE ${CMAKE_BINARY_DIR}/man/parley.1)
set(VERSION ${PROJECT_VERSION})
configure_file(${PROJECT_SOURCE_DIR}/docs/man/parley.1 ${PARLEY_MAN_PAGE} @ONLY)
unset(VERSION)
add_custom_command(OUTPUT ${PARLEY_MAN_PAGE}.gz
                   COMMAND gzip -9nf -k ${PARLEY_MAN_PAGE}
                   DEPENDS ${PARLEY_MAN_PAGE}
                   COMMENT "Compressing parley.1")
add_custom_target(parley_man_page ALL DEPENDS ${PARLEY_MAN_PAGE}.gz)
install(FILES ${PARLEY_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# `cpack` packages what was built and builds nothing itself (without this it
# would build every target first, tests and benchmarks included, possibly
# under tests that are running): build, then package.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the Parley authors")
set(CPACK_PACKAGE_CONTACT "Parley maintainers <maintainers@parley.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time chat server (WebSocket, HTTP, SQLite or PostgreSQL)")
# The long description, in lines of under 80 columns as Debian wants them.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "Parley serves chat rooms on one port: WebSocket clients with\n"
  "acknowledgements and recovery after a reconnect, clients that poll over\n"
  "HTTP, bots with bearer tokens, and its own web UI. History and accounts\n"
  "live in SQLite, or in PostgreSQL shared by several nodes that fan out\n"
  "through Redis. The package runs it as a hardened systemd service on\n"
  "127.0.0.1:8000, to be put behind a TLS proxy (an nginx example is included).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages, found by dpkg-shlibdeps (dpkg-dev), and
# useradd for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx | httpd, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PARLEY_PACKAGE_DIR}/conffiles ${PARLEY_PACKAGE_DIR}/postinst
    ${PARLEY_PACKAGE_DIR}/prerm ${PARLEY_PACKAGE_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES TRUE)
# The absolute destinations above are meant: no warning for them.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
