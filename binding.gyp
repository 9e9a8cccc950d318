{
  "variables": {
    "nt_sanitize%": "<!(node -p \"process.env.NODETENSOR_SANITIZE === '1' ? 'yes' : 'no'\")"
  },
  "targets": [
    {
      "target_name": "nodetensor",
      "sources": ["<!@(node scripts/list-sources.js)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "csrc"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=c++17", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-strict-aliasing", "-fexceptions", "-fvisibility=hidden"],
      "libraries": ["-ldl", "-lpthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-strict-aliasing"]
      },
      "conditions": [
        ["nt_sanitize=='yes'", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ],
  "conditions": [
    ["OS=='linux'", {
      "targets": [
        {
          "target_name": "nodetensor_cann",
          "type": "shared_library",
          "product_prefix": "lib",
          "product_dir": "<(PRODUCT_DIR)",
          "sources": ["<!@(node -p \"require('fs').readdirSync('csrc/backends/cann').filter(f => f.endsWith('.cpp')).sort().map(f => 'csrc/backends/cann/' + f).join(' ')\")"],
          "include_dirs": ["csrc"],
          "cflags!": ["-fno-exceptions", "-O2", "-O3"],
          "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=c++17", "-O2"],
          "cflags_cc": ["-std=c++17", "-O2", "-fno-strict-aliasing", "-fexceptions", "-fvisibility=hidden", "-fvisibility-inlines-hidden"],
          "ldflags": ["-Wl,--version-script=<(module_root_dir)/csrc/backends/cann/exports.map"],
          "libraries": ["-ldl", "-lpthread"],
          "conditions": [
            ["nt_sanitize=='yes'", {
              "cflags_cc": ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
              "ldflags": ["-fsanitize=address,undefined"]
            }]
          ]
        }
      ]
    }]
  ]
}
