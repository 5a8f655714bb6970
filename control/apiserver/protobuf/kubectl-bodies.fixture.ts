// Request bodies captured from real kubectl binaries (kubectl.1.32 and kubectl.1.33 on this
// machine) by a local server recording what `kubectl create ...` POSTs, next to what the
// same command prints with `--dry-run=client -o json`: the protobuf decoder must turn each
// body into that JSON. Regenerate by running the commands against a recording server.

export interface KubectlBody {
  name: string;
  kubectl: string;
  args: string[];
  url: string;
  contentType: string;
  accept: string;
  /** base64 of the raw request body */
  body: string;
  /** kubectl's own JSON rendering of the object it sent */
  json: Record<string, unknown>;
}

export const kubectlBodies: KubectlBody[] = [
  {
    "name": "kubectl 1.32 namespace",
    "kubectl": "1.32",
    "args": [
      "create",
      "namespace",
      "team-a"
    ],
    "url": "/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEh4KFgoGdGVhbS1hEgAaACIAKgAyADgAQgASABoCCgAaACIA",
    "json": {
      "kind": "Namespace",
      "apiVersion": "v1",
      "metadata": {
        "name": "team-a",
        "creationTimestamp": null
      },
      "spec": {},
      "status": {}
    }
  },
  {
    "name": "kubectl 1.32 configmap",
    "kubectl": "1.32",
    "args": [
      "create",
      "configmap",
      "settings",
      "--from-literal=mode=fast",
      "--from-literal=level=3"
    ],
    "url": "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjQKGAoIc2V0dGluZ3MSABoAIgAqADIAOABCABIKCgVsZXZlbBIBMxIMCgRtb2RlEgRmYXN0GgAiAA==",
    "json": {
      "kind": "ConfigMap",
      "apiVersion": "v1",
      "metadata": {
        "name": "settings",
        "creationTimestamp": null
      },
      "data": {
        "level": "3",
        "mode": "fast"
      }
    }
  },
  {
    "name": "kubectl 1.32 configmap-binary",
    "kubectl": "1.32",
    "args": [
      "create",
      "configmap",
      "blob",
      "--from-file=bin=/tmp/proto-capture/bin.dat",
      "--from-literal=text=x"
    ],
    "url": "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEi0KFAoEYmxvYhIAGgAiACoAMgA4AEIAEgkKBHRleHQSAXgaCgoDYmluEgMAAf8aACIA",
    "json": {
      "kind": "ConfigMap",
      "apiVersion": "v1",
      "metadata": {
        "name": "blob",
        "creationTimestamp": null
      },
      "data": {
        "text": "x"
      },
      "binaryData": {
        "bin": "AAH/"
      }
    }
  },
  {
    "name": "kubectl 1.32 secret-generic",
    "kubectl": "1.32",
    "args": [
      "create",
      "secret",
      "generic",
      "creds",
      "--from-literal=user=admin",
      "--from-literal=password=s3cr3t",
      "--type=kubernetes.io/basic-auth"
    ],
    "url": "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoMCgJ2MRIGU2VjcmV0ElQKFQoFY3JlZHMSABoAIgAqADIAOABCABISCghwYXNzd29yZBIGczNjcjN0Eg0KBHVzZXISBWFkbWluGhhrdWJlcm5ldGVzLmlvL2Jhc2ljLWF1dGgaACIA",
    "json": {
      "kind": "Secret",
      "apiVersion": "v1",
      "metadata": {
        "name": "creds",
        "creationTimestamp": null
      },
      "data": {
        "password": "czNjcjN0",
        "user": "YWRtaW4="
      },
      "type": "kubernetes.io/basic-auth"
    }
  },
  {
    "name": "kubectl 1.32 secret-docker-registry",
    "kubectl": "1.32",
    "args": [
      "create",
      "secret",
      "docker-registry",
      "regcred",
      "--docker-server=registry.local:5000",
      "--docker-username=u",
      "--docker-password=p"
    ],
    "url": "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoMCgJ2MRIGU2VjcmV0Ep8BChcKB3JlZ2NyZWQSABoAIgAqADIAOABCABJkChEuZG9ja2VyY29uZmlnanNvbhJPeyJhdXRocyI6eyJyZWdpc3RyeS5sb2NhbDo1MDAwIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fRoea3ViZXJuZXRlcy5pby9kb2NrZXJjb25maWdqc29uGgAiAA==",
    "json": {
      "kind": "Secret",
      "apiVersion": "v1",
      "metadata": {
        "name": "regcred",
        "creationTimestamp": null
      },
      "data": {
        ".dockerconfigjson": "eyJhdXRocyI6eyJyZWdpc3RyeS5sb2NhbDo1MDAwIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="
      },
      "type": "kubernetes.io/dockerconfigjson"
    }
  },
  {
    "name": "kubectl 1.32 deployment",
    "kubectl": "1.32",
    "args": [
      "create",
      "deployment",
      "web",
      "--image=nginx:1.27",
      "--replicas=3",
      "--port=80"
    ],
    "url": "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Er0BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEosBCAMSDAoKCgNhcHASA3dlYhpxChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViElESMwoFbmdpbngSCm5naW54OjEuMjcqADIKCgAQABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==",
    "json": {
      "kind": "Deployment",
      "apiVersion": "apps/v1",
      "metadata": {
        "name": "web",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "replicas": 3,
        "selector": {
          "matchLabels": {
            "app": "web"
          }
        },
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {
              "app": "web"
            }
          },
          "spec": {
            "containers": [
              {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [
                  {
                    "containerPort": 80
                  }
                ],
                "resources": {}
              }
            ]
          }
        },
        "strategy": {}
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.32 deployment-zero-command",
    "kubectl": "1.32",
    "args": [
      "create",
      "deployment",
      "idle",
      "--image=busybox",
      "--replicas=0",
      "--",
      "sleep",
      "3600"
    ],
    "url": "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsEBCiEKBGlkbGUSABoAIgAqADIAOABCAFoLCgNhcHASBGlkbGUSjQEIABINCgsKA2FwcBIEaWRsZRpyCh0KABIAGgAiACoAMgA4AEIAWgsKA2FwcBIEaWRsZRJREjMKB2J1c3lib3gSB2J1c3lib3gaBXNsZWVwGgQzNjAwKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=",
    "json": {
      "kind": "Deployment",
      "apiVersion": "apps/v1",
      "metadata": {
        "name": "idle",
        "creationTimestamp": null,
        "labels": {
          "app": "idle"
        }
      },
      "spec": {
        "replicas": 0,
        "selector": {
          "matchLabels": {
            "app": "idle"
          }
        },
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {
              "app": "idle"
            }
          },
          "spec": {
            "containers": [
              {
                "name": "busybox",
                "image": "busybox",
                "command": [
                  "sleep",
                  "3600"
                ],
                "resources": {}
              }
            ]
          }
        },
        "strategy": {}
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.32 service-clusterip",
    "kubectl": "1.32",
    "args": [
      "create",
      "service",
      "clusterip",
      "web",
      "--tcp=80:8080",
      "--tcp=443:https"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRKNAQofCgN3ZWISABoAIgAqADIAOABCAFoKCgNhcHASA3dlYhJmChsKBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKAAKIgoJNDQzLWh0dHBzEgNUQ1AYuwMiCwgBEAAaBWh0dHBzKAASCgoDYXBwEgN3ZWIaACIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "web",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-8080",
            "protocol": "TCP",
            "port": 80,
            "targetPort": 8080
          },
          {
            "name": "443-https",
            "protocol": "TCP",
            "port": 443,
            "targetPort": "https"
          }
        ],
        "selector": {
          "app": "web"
        },
        "type": "ClusterIP"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.32 service-nodeport",
    "kubectl": "1.32",
    "args": [
      "create",
      "service",
      "nodeport",
      "np",
      "--tcp=80:80",
      "--node-port=30080"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRJkCh0KAm5wEgAaACIAKgAyADgAQgBaCQoDYXBwEgJucBI/ChoKBTgwLTgwEgNUQ1AYUCIGCAAQUBoAKIDrARIJCgNhcHASAm5wGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "np",
        "creationTimestamp": null,
        "labels": {
          "app": "np"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-80",
            "protocol": "TCP",
            "port": 80,
            "targetPort": 80,
            "nodePort": 30080
          }
        ],
        "selector": {
          "app": "np"
        },
        "type": "NodePort"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.32 service-headless",
    "kubectl": "1.32",
    "args": [
      "create",
      "service",
      "clusterip",
      "hl",
      "--clusterip=None",
      "--tcp=5432"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRJoCh0KAmhsEgAaACIAKgAyADgAQgBaCQoDYXBwEgJobBJDChkKBDU0MzISA1RDUBi4KiIHCAAQuCoaACgAEgkKA2FwcBICaGwaBE5vbmUiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "hl",
        "creationTimestamp": null,
        "labels": {
          "app": "hl"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "5432",
            "protocol": "TCP",
            "port": 5432,
            "targetPort": 5432
          }
        ],
        "selector": {
          "app": "hl"
        },
        "clusterIP": "None",
        "type": "ClusterIP"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.32 job",
    "kubectl": "1.32",
    "args": [
      "create",
      "job",
      "once",
      "--image=busybox",
      "--",
      "echo",
      "hi"
    ],
    "url": "/apis/batch/v1/namespaces/default/jobs?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCghiYXRjaC92MRIDSm9iEogBChQKBG9uY2USABoAIgAqADIAOABCABJmMmQKEAoAEgAaACIAKgAyADgAQgASUBItCgRvbmNlEgdidXN5Ym94GgRlY2hvGgJoaSoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgggACgAMAA6ABoAIgA=",
    "json": {
      "kind": "Job",
      "apiVersion": "batch/v1",
      "metadata": {
        "name": "once",
        "creationTimestamp": null
      },
      "spec": {
        "template": {
          "metadata": {
            "creationTimestamp": null
          },
          "spec": {
            "containers": [
              {
                "name": "once",
                "image": "busybox",
                "command": [
                  "echo",
                  "hi"
                ],
                "resources": {}
              }
            ],
            "restartPolicy": "Never"
          }
        }
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.32 cronjob",
    "kubectl": "1.32",
    "args": [
      "create",
      "cronjob",
      "tick",
      "--image=busybox",
      "--schedule=*/5 * * * *",
      "--restart=Never",
      "--",
      "date"
    ],
    "url": "/apis/batch/v1/namespaces/default/cronjobs?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKmAQoUCgR0aWNrEgAaACIAKgAyADgAQgASiwEKCyovNSAqICogKiAqGgAqegoUCgR0aWNrEgAaACIAKgAyADgAQgASYjJgChAKABIAGgAiACoAMgA4AEIAEkwSKQoEdGljaxIHYnVzeWJveBoEZGF0ZSoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgAaACIA",
    "json": {
      "kind": "CronJob",
      "apiVersion": "batch/v1",
      "metadata": {
        "name": "tick",
        "creationTimestamp": null
      },
      "spec": {
        "schedule": "*/5 * * * *",
        "jobTemplate": {
          "metadata": {
            "name": "tick",
            "creationTimestamp": null
          },
          "spec": {
            "template": {
              "metadata": {
                "creationTimestamp": null
              },
              "spec": {
                "containers": [
                  {
                    "name": "tick",
                    "image": "busybox",
                    "command": [
                      "date"
                    ],
                    "resources": {}
                  }
                ],
                "restartPolicy": "Never"
              }
            }
          }
        }
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.32 serviceaccount",
    "kubectl": "1.32",
    "args": [
      "create",
      "serviceaccount",
      "robot"
    ],
    "url": "/api/v1/namespaces/default/serviceaccounts?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFwoVCgVyb2JvdBIAGgAiACoAMgA4AEIAGgAiAA==",
    "json": {
      "kind": "ServiceAccount",
      "apiVersion": "v1",
      "metadata": {
        "name": "robot",
        "creationTimestamp": null
      }
    }
  },
  {
    "name": "kubectl 1.33 namespace",
    "kubectl": "1.33",
    "args": [
      "create",
      "namespace",
      "team-a"
    ],
    "url": "/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEh4KFgoGdGVhbS1hEgAaACIAKgAyADgAQgASABoCCgAaACIA",
    "json": {
      "kind": "Namespace",
      "apiVersion": "v1",
      "metadata": {
        "name": "team-a",
        "creationTimestamp": null
      },
      "spec": {},
      "status": {}
    }
  },
  {
    "name": "kubectl 1.33 configmap",
    "kubectl": "1.33",
    "args": [
      "create",
      "configmap",
      "settings",
      "--from-literal=mode=fast",
      "--from-literal=level=3"
    ],
    "url": "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjQKGAoIc2V0dGluZ3MSABoAIgAqADIAOABCABIKCgVsZXZlbBIBMxIMCgRtb2RlEgRmYXN0GgAiAA==",
    "json": {
      "kind": "ConfigMap",
      "apiVersion": "v1",
      "metadata": {
        "name": "settings",
        "creationTimestamp": null
      },
      "data": {
        "level": "3",
        "mode": "fast"
      }
    }
  },
  {
    "name": "kubectl 1.33 configmap-binary",
    "kubectl": "1.33",
    "args": [
      "create",
      "configmap",
      "blob",
      "--from-file=bin=/tmp/proto-capture/bin.dat",
      "--from-literal=text=x"
    ],
    "url": "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEi0KFAoEYmxvYhIAGgAiACoAMgA4AEIAEgkKBHRleHQSAXgaCgoDYmluEgMAAf8aACIA",
    "json": {
      "kind": "ConfigMap",
      "apiVersion": "v1",
      "metadata": {
        "name": "blob",
        "creationTimestamp": null
      },
      "data": {
        "text": "x"
      },
      "binaryData": {
        "bin": "AAH/"
      }
    }
  },
  {
    "name": "kubectl 1.33 secret-generic",
    "kubectl": "1.33",
    "args": [
      "create",
      "secret",
      "generic",
      "creds",
      "--from-literal=user=admin",
      "--from-literal=password=s3cr3t",
      "--type=kubernetes.io/basic-auth"
    ],
    "url": "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoMCgJ2MRIGU2VjcmV0ElQKFQoFY3JlZHMSABoAIgAqADIAOABCABISCghwYXNzd29yZBIGczNjcjN0Eg0KBHVzZXISBWFkbWluGhhrdWJlcm5ldGVzLmlvL2Jhc2ljLWF1dGgaACIA",
    "json": {
      "kind": "Secret",
      "apiVersion": "v1",
      "metadata": {
        "name": "creds",
        "creationTimestamp": null
      },
      "data": {
        "password": "czNjcjN0",
        "user": "YWRtaW4="
      },
      "type": "kubernetes.io/basic-auth"
    }
  },
  {
    "name": "kubectl 1.33 secret-docker-registry",
    "kubectl": "1.33",
    "args": [
      "create",
      "secret",
      "docker-registry",
      "regcred",
      "--docker-server=registry.local:5000",
      "--docker-username=u",
      "--docker-password=p"
    ],
    "url": "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoMCgJ2MRIGU2VjcmV0Ep8BChcKB3JlZ2NyZWQSABoAIgAqADIAOABCABJkChEuZG9ja2VyY29uZmlnanNvbhJPeyJhdXRocyI6eyJyZWdpc3RyeS5sb2NhbDo1MDAwIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fRoea3ViZXJuZXRlcy5pby9kb2NrZXJjb25maWdqc29uGgAiAA==",
    "json": {
      "kind": "Secret",
      "apiVersion": "v1",
      "metadata": {
        "name": "regcred",
        "creationTimestamp": null
      },
      "data": {
        ".dockerconfigjson": "eyJhdXRocyI6eyJyZWdpc3RyeS5sb2NhbDo1MDAwIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="
      },
      "type": "kubernetes.io/dockerconfigjson"
    }
  },
  {
    "name": "kubectl 1.33 deployment",
    "kubectl": "1.33",
    "args": [
      "create",
      "deployment",
      "web",
      "--image=nginx:1.27",
      "--replicas=3",
      "--port=80"
    ],
    "url": "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Er0BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEosBCAMSDAoKCgNhcHASA3dlYhpxChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViElESMwoFbmdpbngSCm5naW54OjEuMjcqADIKCgAQABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==",
    "json": {
      "kind": "Deployment",
      "apiVersion": "apps/v1",
      "metadata": {
        "name": "web",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "replicas": 3,
        "selector": {
          "matchLabels": {
            "app": "web"
          }
        },
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {
              "app": "web"
            }
          },
          "spec": {
            "containers": [
              {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [
                  {
                    "containerPort": 80
                  }
                ],
                "resources": {}
              }
            ]
          }
        },
        "strategy": {}
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.33 deployment-zero-command",
    "kubectl": "1.33",
    "args": [
      "create",
      "deployment",
      "idle",
      "--image=busybox",
      "--replicas=0",
      "--",
      "sleep",
      "3600"
    ],
    "url": "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsEBCiEKBGlkbGUSABoAIgAqADIAOABCAFoLCgNhcHASBGlkbGUSjQEIABINCgsKA2FwcBIEaWRsZRpyCh0KABIAGgAiACoAMgA4AEIAWgsKA2FwcBIEaWRsZRJREjMKB2J1c3lib3gSB2J1c3lib3gaBXNsZWVwGgQzNjAwKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=",
    "json": {
      "kind": "Deployment",
      "apiVersion": "apps/v1",
      "metadata": {
        "name": "idle",
        "creationTimestamp": null,
        "labels": {
          "app": "idle"
        }
      },
      "spec": {
        "replicas": 0,
        "selector": {
          "matchLabels": {
            "app": "idle"
          }
        },
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {
              "app": "idle"
            }
          },
          "spec": {
            "containers": [
              {
                "name": "busybox",
                "image": "busybox",
                "command": [
                  "sleep",
                  "3600"
                ],
                "resources": {}
              }
            ]
          }
        },
        "strategy": {}
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.33 service-clusterip",
    "kubectl": "1.33",
    "args": [
      "create",
      "service",
      "clusterip",
      "web",
      "--tcp=80:8080",
      "--tcp=443:https"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRKNAQofCgN3ZWISABoAIgAqADIAOABCAFoKCgNhcHASA3dlYhJmChsKBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKAAKIgoJNDQzLWh0dHBzEgNUQ1AYuwMiCwgBEAAaBWh0dHBzKAASCgoDYXBwEgN3ZWIaACIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "web",
        "creationTimestamp": null,
        "labels": {
          "app": "web"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-8080",
            "protocol": "TCP",
            "port": 80,
            "targetPort": 8080
          },
          {
            "name": "443-https",
            "protocol": "TCP",
            "port": 443,
            "targetPort": "https"
          }
        ],
        "selector": {
          "app": "web"
        },
        "type": "ClusterIP"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.33 service-nodeport",
    "kubectl": "1.33",
    "args": [
      "create",
      "service",
      "nodeport",
      "np",
      "--tcp=80:80",
      "--node-port=30080"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRJkCh0KAm5wEgAaACIAKgAyADgAQgBaCQoDYXBwEgJucBI/ChoKBTgwLTgwEgNUQ1AYUCIGCAAQUBoAKIDrARIJCgNhcHASAm5wGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "np",
        "creationTimestamp": null,
        "labels": {
          "app": "np"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "80-80",
            "protocol": "TCP",
            "port": 80,
            "targetPort": 80,
            "nodePort": 30080
          }
        ],
        "selector": {
          "app": "np"
        },
        "type": "NodePort"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.33 service-headless",
    "kubectl": "1.33",
    "args": [
      "create",
      "service",
      "clusterip",
      "hl",
      "--clusterip=None",
      "--tcp=5432"
    ],
    "url": "/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoNCgJ2MRIHU2VydmljZRJoCh0KAmhsEgAaACIAKgAyADgAQgBaCQoDYXBwEgJobBJDChkKBDU0MzISA1RDUBi4KiIHCAAQuCoaACgAEgkKA2FwcBICaGwaBE5vbmUiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA",
    "json": {
      "kind": "Service",
      "apiVersion": "v1",
      "metadata": {
        "name": "hl",
        "creationTimestamp": null,
        "labels": {
          "app": "hl"
        }
      },
      "spec": {
        "ports": [
          {
            "name": "5432",
            "protocol": "TCP",
            "port": 5432,
            "targetPort": 5432
          }
        ],
        "selector": {
          "app": "hl"
        },
        "clusterIP": "None",
        "type": "ClusterIP"
      },
      "status": {
        "loadBalancer": {}
      }
    }
  },
  {
    "name": "kubectl 1.33 job",
    "kubectl": "1.33",
    "args": [
      "create",
      "job",
      "once",
      "--image=busybox",
      "--",
      "echo",
      "hi"
    ],
    "url": "/apis/batch/v1/namespaces/default/jobs?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoPCghiYXRjaC92MRIDSm9iEogBChQKBG9uY2USABoAIgAqADIAOABCABJmMmQKEAoAEgAaACIAKgAyADgAQgASUBItCgRvbmNlEgdidXN5Ym94GgRlY2hvGgJoaSoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgggACgAMAA6ABoAIgA=",
    "json": {
      "kind": "Job",
      "apiVersion": "batch/v1",
      "metadata": {
        "name": "once",
        "creationTimestamp": null
      },
      "spec": {
        "template": {
          "metadata": {
            "creationTimestamp": null
          },
          "spec": {
            "containers": [
              {
                "name": "once",
                "image": "busybox",
                "command": [
                  "echo",
                  "hi"
                ],
                "resources": {}
              }
            ],
            "restartPolicy": "Never"
          }
        }
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.33 cronjob",
    "kubectl": "1.33",
    "args": [
      "create",
      "cronjob",
      "tick",
      "--image=busybox",
      "--schedule=*/5 * * * *",
      "--restart=Never",
      "--",
      "date"
    ],
    "url": "/apis/batch/v1/namespaces/default/cronjobs?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKmAQoUCgR0aWNrEgAaACIAKgAyADgAQgASiwEKCyovNSAqICogKiAqGgAqegoUCgR0aWNrEgAaACIAKgAyADgAQgASYjJgChAKABIAGgAiACoAMgA4AEIAEkwSKQoEdGljaxIHYnVzeWJveBoEZGF0ZSoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgAaACIA",
    "json": {
      "kind": "CronJob",
      "apiVersion": "batch/v1",
      "metadata": {
        "name": "tick",
        "creationTimestamp": null
      },
      "spec": {
        "schedule": "*/5 * * * *",
        "jobTemplate": {
          "metadata": {
            "name": "tick",
            "creationTimestamp": null
          },
          "spec": {
            "template": {
              "metadata": {
                "creationTimestamp": null
              },
              "spec": {
                "containers": [
                  {
                    "name": "tick",
                    "image": "busybox",
                    "command": [
                      "date"
                    ],
                    "resources": {}
                  }
                ],
                "restartPolicy": "Never"
              }
            }
          }
        }
      },
      "status": {}
    }
  },
  {
    "name": "kubectl 1.33 serviceaccount",
    "kubectl": "1.33",
    "args": [
      "create",
      "serviceaccount",
      "robot"
    ],
    "url": "/api/v1/namespaces/default/serviceaccounts?fieldManager=kubectl-create&fieldValidation=Strict",
    "contentType": "application/vnd.kubernetes.protobuf",
    "accept": "application/vnd.kubernetes.protobuf,application/json",
    "body": "azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFwoVCgVyb2JvdBIAGgAiACoAMgA4AEIAGgAiAA==",
    "json": {
      "kind": "ServiceAccount",
      "apiVersion": "v1",
      "metadata": {
        "name": "robot",
        "creationTimestamp": null
      }
    }
  }
];
