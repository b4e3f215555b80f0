//! Throughput of the Bicep lexer and parser on a generated, real-like file (about 1 MB of
//! parameters, decorated resources with loops, conditions, interpolation, nested children,
//! modules and outputs): `cargo bench --bench bicep_parser`. Numbers in BENCHMARKS.md.
//!
//! The frontend is private to the crate, so its lexer and parser are compiled into this bench
//! directly; parsing and lowering together (`parse_lower_corpus`, issue #28) go through the
//! crate's one hidden entry point for it, `imagegate::bicep_parse_and_lower`.

#[allow(dead_code, unused_imports)]
#[path = "../src/frontend/bicep"]
mod bicep {
    pub(crate) mod lexer;
    pub(crate) mod parser;
    pub(crate) mod syntax;
}

/// The binary's allocator, so that the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// One block of declarations, numbered `i`.
fn block(i: usize) -> String {
    format!(
        r#"@description('The name of VM {i}')
@minLength(3)
param vmName{i} string = 'vm-${{uniqueString(resourceGroup().id)}}-{i}'

@allowed([
  'Standard_D2s_v5'
  'Standard_D4s_v5'
])
param size{i} string = 'Standard_D2s_v5'

var nics{i} = [for j in range(0, 3): {{
  name: '${{vmName{i}}}-nic-${{j}}'
  primary: j == 0
}}]

#disable-next-line BCP081
resource vnet{i} 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {{
  name: 'vnet-{i}'

  resource subnet 'subnets' existing = {{
    name: 'default'
  }}
}}

resource vm{i} 'Microsoft.Compute/virtualMachines@2023-03-01' = if (deploy) {{
  name: vmName{i}
  location: location
  tags: union(tags, {{ index: '{i}' }})
  properties: {{
    hardwareProfile: {{
      vmSize: size{i}
    }}
    storageProfile: {{
      imageReference: useGallery ? {{
        id: resourceId('Microsoft.Compute/galleries/images/versions', 'gallery', 'image', '1.0.{i}')
      }} : {{
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: '2022-datacenter-azure-edition'
        version: 'latest'
      }}
      osDisk: {{
        createOption: 'FromImage'
        managedDisk: {{ storageAccountType: 'Premium_LRS' }}
      }}
    }}
    networkProfile: {{
      networkInterfaces: [for (nic, k) in nics{i}: {{
        id: resourceId('Microsoft.Network/networkInterfaces', nic.name)
        properties: {{ primary: nic.?primary ?? false }}
      }}]
    }}
    osProfile: {{
      computerName: take(vmName{i}, 15)
      adminUsername: adminUsername
      adminPassword: adminPassword
      customData: base64('''
#cloud-config
runcmd:
  - echo {i}
''')
    }}
  }}
}}

module ext{i} 'br/public:avm/res/compute/virtual-machine:0.5.0' = {{
  name: 'ext-{i}'
  params: {{
    name: vm{i}.name
    subnetId: vnet{i}::subnet.id
    count: length(nics{i}) * 2 + 1
  }}
}}

output vmId{i} string = vm{i}.id
"#
    )
}

/// About 1 MB of Bicep.
fn text() -> String {
    let mut text = String::from(
        "targetScope = 'resourceGroup'\n\nparam location string = resourceGroup().location\n\
         param deploy bool = true\nparam useGallery bool = false\nparam tags object = {}\n\
         param adminUsername string\n@secure()\nparam adminPassword string\n\n",
    );
    let mut i = 0;
    while text.len() < 1_000_000 {
        text.push_str(&block(i));
        i += 1;
    }
    text
}

#[divan::bench]
fn lex(bencher: divan::Bencher) {
    let text = text();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| bicep::lexer::lex(divan::black_box(&text)));
}

#[divan::bench]
fn parse(bencher: divan::Bencher) {
    let text = text();
    let parsed = bicep::parser::parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| bicep::parser::parse(divan::black_box(&text)));
}

/// Every `.bicep`/`.bicepparam` file under the `BICEP_CORPUS` directories (`:`-separated),
/// e.g. the AVM modules; nothing when unset.
fn corpus() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "bicep" || e == "bicepparam")
            {
                out.extend(std::fs::read_to_string(&path));
            }
        }
    }
    let mut out = Vec::new();
    if let Some(dirs) = std::env::var_os("BICEP_CORPUS") {
        for dir in std::env::split_paths(&dirs) {
            walk(&dir, &mut out);
        }
    }
    out
}

#[divan::bench(sample_count = 20)]
fn parse_corpus(bencher: divan::Bencher) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .bench(|| {
            for text in &texts {
                divan::black_box(bicep::parser::parse(divan::black_box(text)));
            }
        });
}

/// Parse and lowering into the evaluator IR of every corpus file (as [`parse_corpus`]), each on
/// its own: no other file is read, so a module's outputs and imported symbols stay unknown.
#[divan::bench(sample_count = 20)]
fn parse_lower_corpus(bencher: divan::Bencher) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .bench(|| {
            for text in &texts {
                divan::black_box(imagegate::bicep_parse_and_lower(divan::black_box(text)));
            }
        });
}
